//! The FMD-index (Li 2012) of indexed runs and their reverse complements: rank over the
//! BWT ([`super::rank`]) and the first row of each base. It counts any string of A/C/G/T and
//! extends a string's bi-interval by one base on either side. No suffix array is kept:
//! counting needs none.
//!
//! File layout (little-endian, 64-byte aligned sections, read whole onto 2 MB pages):
//! a 64-byte header (`MAGIC`, format version, lengths, CRC-32 of everything after the
//! header), the provenance as YAML ([`IndexMeta`]), the blocks, the dollar positions and
//! the indexed runs (contig number, start, end).

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::rank::{self, BLOCK, Block};
use crate::io::OutputFile;
use crate::{Error, Result};

pub const MAGIC: &[u8; 8] = b"DNACTXFM";
const FORMAT: u64 = 1;
const HEADER: usize = 64;

/// What an index was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexMeta {
    pub kind: String,
    /// dnactx version that wrote it.
    pub version: String,
    /// Genome file name.
    pub genome: String,
    /// Every contig of the genome with its length, in the genome's order: the scored genome
    /// must have the same ones.
    pub genome_contigs: Vec<(String, u64)>,
    /// FNV-1a 64 of the indexed runs' names, coordinates and bases.
    pub checksum: String,
    /// Each indexed contig's checksum ([`super::build::contig_checksum`]), so that a genome
    /// with the same names and lengths but other bases is told apart (absent before 0.1).
    #[serde(default)]
    pub contig_checksums: Vec<(String, String)>,
    /// Split of the windows indexed, or `all`.
    pub split: String,
    /// Indexed contigs, comma-separated.
    pub chroms: String,
    /// Bases indexed on one strand.
    pub bases: u64,
}

pub const KIND: &str = "fmd_index";

/// A bidirectional interval: rows of a string `P` (`lo`) and of its reverse complement
/// (`lo_rc`) in the BWT, and their common size (the number of occurrences of `P`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BiInterval {
    pub lo: u64,
    pub lo_rc: u64,
    pub size: u64,
}

/// One indexed run: A/C/G/T bases `start..end` of contig `contig` (its number in
/// `genome_contigs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Run {
    pub contig: u64,
    pub start: u64,
    pub end: u64,
}

enum Storage {
    Owned {
        blocks: Vec<Block>,
        dollars: Vec<u64>,
        runs: Vec<Run>,
    },
    Loaded {
        map: memmap2::Mmap,
        blocks: (usize, usize),
        dollars: (usize, usize),
        runs: (usize, usize),
    },
}

/// An FMD-index ready to count.
pub struct FmdIndex {
    pub meta: IndexMeta,
    storage: Storage,
    /// First row of suffixes starting with A, C, G, T.
    first: [u64; 4],
    /// Occurrences of A, C, G, T.
    totals: [u64; 4],
    rows: u64,
}

impl FmdIndex {
    /// An index from its parts (as the builder makes them).
    pub fn from_parts(
        meta: IndexMeta,
        blocks: Vec<Block>,
        dollars: Vec<u64>,
        runs: Vec<Run>,
        rows: u64,
    ) -> FmdIndex {
        Self::with_storage(
            meta,
            Storage::Owned {
                blocks,
                dollars,
                runs,
            },
            rows,
        )
    }

    /// An index over `storage`, with the first row and total of each base computed.
    fn with_storage(meta: IndexMeta, storage: Storage, rows: u64) -> FmdIndex {
        let mut idx = FmdIndex {
            meta,
            storage,
            first: [0; 4],
            totals: [0; 4],
            rows,
        };
        idx.init_totals();
        idx
    }

    fn init_totals(&mut self) {
        (self.totals, self.first) =
            rank::totals_and_first(self.blocks(), self.dollars(), self.rows);
    }

    pub fn blocks(&self) -> &[Block] {
        match &self.storage {
            Storage::Owned { blocks, .. } => blocks,
            Storage::Loaded { map, blocks, .. } => cast(&map[blocks.0..blocks.1]),
        }
    }

    fn dollars(&self) -> &[u64] {
        match &self.storage {
            Storage::Owned { dollars, .. } => dollars,
            Storage::Loaded { map, dollars, .. } => cast(&map[dollars.0..dollars.1]),
        }
    }

    /// The indexed runs, sorted by contig number and start.
    pub fn runs(&self) -> &[Run] {
        match &self.storage {
            Storage::Owned { runs, .. } => runs,
            Storage::Loaded { map, runs, .. } => cast(&map[runs.0..runs.1]),
        }
    }

    /// Rows of the BWT (text length plus the sentinel).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Occurrences of each base in the indexed text (both strands).
    pub fn totals(&self) -> [u64; 4] {
        self.totals
    }

    /// The bi-interval of the one-base string `b`.
    #[inline]
    pub fn base(&self, b: u8) -> BiInterval {
        let b = b as usize;
        BiInterval {
            lo: self.first[b],
            lo_rc: self.first[3 - b],
            size: self.totals[b],
        }
    }

    /// `aP` from `P` (Li 2012, algorithm 2).
    #[inline]
    pub fn extend_left(&self, iv: BiInterval, a: u8) -> BiInterval {
        if iv.size == 0 {
            return iv;
        }
        let (blocks, dollars) = (self.blocks(), self.dollars());
        let lo = rank::occ(blocks, dollars, iv.lo);
        let hi = rank::occ(blocks, dollars, iv.lo + iv.size);
        let s: [u64; 4] = std::array::from_fn(|b| hi[b] - lo[b]);
        let a = a as usize;
        // Rows of rc(P) followed by a dollar come first, then by A (P preceded by T), C, G, T.
        let mut lo_rc = iv.lo_rc + iv.size - s.iter().sum::<u64>();
        for b in (a + 1..4).rev() {
            lo_rc += s[b];
        }
        BiInterval {
            lo: self.first[a] + lo[a],
            lo_rc,
            size: s[a],
        }
    }

    /// `aP` from `P` for each base `a` (A, C, G, T), from the one pair of rank reads that
    /// [`extend_left`](Self::extend_left) makes for any of them.
    pub fn extend_left_all(&self, iv: BiInterval) -> [BiInterval; 4] {
        if iv.size == 0 {
            return [iv; 4];
        }
        let (blocks, dollars) = (self.blocks(), self.dollars());
        let lo = rank::occ(blocks, dollars, iv.lo);
        let hi = rank::occ(blocks, dollars, iv.lo + iv.size);
        let s: [u64; 4] = std::array::from_fn(|b| hi[b] - lo[b]);
        let mut out = [iv; 4];
        let mut lo_rc = iv.lo_rc + iv.size - s.iter().sum::<u64>();
        for a in (0..4).rev() {
            out[a] = BiInterval {
                lo: self.first[a] + lo[a],
                lo_rc,
                size: s[a],
            };
            lo_rc += s[a];
        }
        out
    }

    /// `Pa` from `P` for each base `a`: [`extend_left_all`](Self::extend_left_all) of the
    /// reverse complement.
    pub fn extend_right_all(&self, iv: BiInterval) -> [BiInterval; 4] {
        let swap = |x: BiInterval| BiInterval {
            lo: x.lo_rc,
            lo_rc: x.lo,
            size: x.size,
        };
        let rc = self.extend_left_all(swap(iv));
        std::array::from_fn(|a| swap(rc[3 - a]))
    }

    /// `Pa` from `P`: extending the reverse complement to the left by the complement.
    #[inline]
    pub fn extend_right(&self, iv: BiInterval, a: u8) -> BiInterval {
        let r = self.extend_left(
            BiInterval {
                lo: iv.lo_rc,
                lo_rc: iv.lo,
                size: iv.size,
            },
            3 - a,
        );
        BiInterval {
            lo: r.lo_rc,
            lo_rc: r.lo,
            size: r.size,
        }
    }

    /// Occurrences of a string of base codes (0..4) on both strands.
    pub fn count(&self, bases: &[u8]) -> u64 {
        let Some((&last, rest)) = bases.split_last() else {
            return self.rows;
        };
        rest.iter()
            .rev()
            .fold(self.base(last), |iv, &b| self.extend_left(iv, b))
            .size
    }

    /// Writes the index to `dest` (atomically).
    pub fn save(&self, dest: &Path) -> Result<()> {
        let yaml = serde_yaml::to_string(&self.meta)
            .map_err(|e| Error::invalid(dest, format!("writing metadata: {e}")))?;
        let meta = pad64(yaml.into_bytes(), b' ');
        let blocks = bytes_of(self.blocks());
        let dollars = pad64(bytes_of(self.dollars()).to_vec(), 0);
        let runs = bytes_of(self.runs());
        let mut crc = crc32fast::Hasher::new();
        for part in [&meta[..], blocks, &dollars, runs] {
            crc.update(part);
        }
        let header = self.header(meta.len() as u64, crc.finalize());
        let mut out = OutputFile::create(dest)?;
        for part in [&header[..], &meta, blocks, &dollars, runs] {
            out.write_all(part).map_err(|e| Error::io(dest, e))?;
        }
        out.commit()
    }

    /// The fixed header: magic, format, the sections' sizes (metadata bytes, blocks, dollars,
    /// runs), rows and the checksum of what follows.
    fn header(&self, meta_len: u64, crc: u32) -> [u8; HEADER] {
        let mut header = [0u8; HEADER];
        header[..8].copy_from_slice(MAGIC);
        let fields = [
            FORMAT,
            meta_len,
            self.blocks().len() as u64,
            self.dollars().len() as u64,
            self.runs().len() as u64,
            self.rows,
            crc as u64,
        ];
        for (i, f) in fields.iter().enumerate() {
            header[8 + 8 * i..16 + 8 * i].copy_from_slice(&f.to_le_bytes());
        }
        header
    }

    /// Reads an index written by [`FmdIndex::save`], checking its layout and checksum.
    pub fn load(path: &Path) -> Result<FmdIndex> {
        Self::load_as(path, Loading::from_env())
    }

    /// [`load`](Self::load), the file read or mapped as `how` says.
    pub fn load_as(path: &Path, how: Loading) -> Result<FmdIndex> {
        let map = match how {
            Loading::Read => read_on_large_pages(path),
            // SAFETY: the file is only read; dnactx never modifies an index in place
            // (outputs are written to a temporary file and renamed).
            Loading::Map => {
                std::fs::File::open(path).and_then(|f| unsafe { memmap2::Mmap::map(&f) })
            }
        }
        .map_err(|e| Error::io(path, e))?;
        let header = Header::read(&map, path)?;
        let [meta_s, blocks, dollars_s, runs] = header.sections();
        let dollars = (dollars_s.0, dollars_s.0 + 8 * header.n_dollars as usize);
        let meta = read_meta(&map[meta_s.0..meta_s.1], path)?;
        Ok(Self::with_storage(
            meta,
            Storage::Loaded {
                map,
                blocks,
                dollars,
                runs,
            },
            header.rows,
        ))
    }
}

/// How an index file comes into memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loading {
    /// Read whole into the process's memory, on 2 MB pages where the kernel allows: the
    /// faster to count from ([`read_on_large_pages`]).
    Read,
    /// Mapped from the file, 4 KB pages of the page cache: jobs on one machine that read the
    /// same index share one copy of it (as bowtie2's `--mm`).
    Map,
}

impl Loading {
    /// The environment variable that asks for [`Loading::Map`] (`1`).
    pub const ENV: &str = "DNACTX_MMAP_INDEX";

    /// [`Loading::Map`] where [`ENV`](Self::ENV) is `1`, else [`Loading::Read`].
    pub fn from_env() -> Loading {
        match std::env::var_os(Self::ENV) {
            Some(v) if v == "1" => Loading::Map,
            _ => Loading::Read,
        }
    }
}

/// The whole file at `path` in anonymous memory that the kernel is asked to back with 2 MB
/// pages (transparent huge pages, where they are enabled, `madvise` or `always`; elsewhere the
/// hint does nothing). Counting reads blocks anywhere in an index of up to 3 GB; on 4 KB
/// pages nearly every read also missed the TLB, and its page walk is what the prefetches did
/// not hide: on 2 MB pages a human-size index counts 1.37 times the positions per second
/// (docs/benchmarks.md, "The index on 2 MB pages"). Read rather than mapped: loading
/// checks the checksum of every byte anyway, and a sequential read is what a cold network
/// file system serves best.
fn read_on_large_pages(path: &Path) -> std::io::Result<memmap2::Mmap> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let len = usize::try_from(file.metadata()?.len()).map_err(std::io::Error::other)?;
    // one byte at least: an empty file is then refused by its missing header
    let mut mem = memmap2::MmapMut::map_anon(len.max(1))?;
    #[cfg(target_os = "linux")]
    mem.advise(memmap2::Advice::HugePage).ok(); // a hint: refused, the pages stay small
    file.read_exact(&mut mem[..len])
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => std::io::Error::new(
                e.kind(),
                format!("truncated while being read: shorter than its {len} bytes"),
            ),
            _ => e,
        })?;
    mem.make_read_only()
}

/// The metadata section of the index at `path`, which must be an FM-index's.
fn read_meta(section: &[u8], path: &Path) -> Result<IndexMeta> {
    let bad = |msg: String| Error::invalid(path, msg);
    let text =
        std::str::from_utf8(section).map_err(|_| bad("damaged metadata (not UTF-8)".into()))?;
    let meta: IndexMeta = serde_yaml::from_str(text.trim_end_matches(' '))
        .map_err(|e| bad(format!("damaged metadata: {e}")))?;
    if meta.kind != KIND {
        return Err(Error::wrong_kind(
            path,
            format!("is a {}, not an FM-index", meta.kind),
        ));
    }
    Ok(meta)
}

/// The fixed header of an index file: the sizes of its sections (metadata, blocks, dollars,
/// runs), its dollars and rows.
struct Header {
    sizes: [u64; 4],
    n_dollars: u64,
    rows: u64,
}

/// The bytes of the sections (metadata, blocks, dollars padded, runs) from their counts.
fn section_sizes(meta_len: u64, n_blocks: u64, n_dollars: u64, n_runs: u64) -> [u64; 4] {
    [
        meta_len,
        n_blocks.saturating_mul(64),
        pad_len(n_dollars.saturating_mul(8)),
        n_runs.saturating_mul(24),
    ]
}

impl Header {
    /// Reads the header of the file `map` (at `path`), checking its format against this
    /// dnactx's and its sizes and checksum against the file.
    fn read(map: &[u8], path: &Path) -> Result<Header> {
        if map.len() < HEADER || &map[..8] != MAGIC {
            return Err(Error::wrong_kind(
                path,
                "not a dnactx FM-index (no DNACTXFM header)",
            ));
        }
        let field = |i: usize| u64::from_le_bytes(map[8 + 8 * i..16 + 8 * i].try_into().unwrap());
        if field(0) != FORMAT {
            return Err(Error::other_version(
                path,
                format!(
                    "FM-index format {} is not the {FORMAT} this dnactx reads: rebuild it with index-genome",
                    field(0)
                ),
            ));
        }
        let [meta_len, n_blocks, n_dollars, n_runs, rows, crc] =
            std::array::from_fn(|i| field(i + 1));
        let header = Header {
            sizes: section_sizes(meta_len, n_blocks, n_dollars, n_runs),
            n_dollars,
            rows,
        };
        header.check(map, path, n_blocks, crc)?;
        Ok(header)
    }

    /// Checks that the file `map` (at `path`) is as long as the header says, its block count
    /// fits its rows and its content has the header's checksum.
    fn check(&self, map: &[u8], path: &Path, n_blocks: u64, crc: u64) -> Result<()> {
        let bad = |msg: String| Err(Error::invalid(path, msg));
        let want = (self.sizes.iter()).fold(HEADER as u64, |acc, &s| acc.saturating_add(s));
        if want != map.len() as u64 {
            let len = map.len();
            return bad(format!(
                "truncated or damaged: {len} bytes, the header says {want}"
            ));
        }
        if n_blocks != self.rows / BLOCK + 1 {
            return bad("damaged header: block count does not fit the rows".into());
        }
        if crc32fast::hash(&map[HEADER..]) as u64 != crc {
            return bad("damaged: its checksum does not match its content".into());
        }
        Ok(())
    }

    /// The byte ranges of the sections, one after the other past the header.
    fn sections(&self) -> [(usize, usize); 4] {
        let mut at = HEADER;
        self.sizes.map(|len| {
            let s = (at, at + len as usize);
            at = s.1;
            s
        })
    }
}

/// Whether `path` starts like an index file.
pub fn is_index_file(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == MAGIC
}

fn pad_len(n: u64) -> u64 {
    n.div_ceil(64) * 64
}

/// Pads with `fill` to a multiple of 64 bytes.
fn pad64(mut v: Vec<u8>, fill: u8) -> Vec<u8> {
    v.resize(pad_len(v.len() as u64) as usize, fill);
    v
}

/// Plain-old-data types that may be viewed as bytes and back.
///
/// # Safety
/// Every bit pattern must be a valid value, with no padding.
unsafe trait Pod: Copy {}
unsafe impl Pod for u64 {}
unsafe impl Pod for Block {}
unsafe impl Pod for Run {}

fn bytes_of<T: Pod>(v: &[T]) -> &[u8] {
    // SAFETY: T is plain old data without padding.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), std::mem::size_of_val(v)) }
}

fn cast<T: Pod>(bytes: &[u8]) -> &[T] {
    assert!(
        (bytes.as_ptr() as usize).is_multiple_of(std::mem::align_of::<T>())
            && bytes.len().is_multiple_of(std::mem::size_of::<T>()),
        "misaligned index section"
    );
    // SAFETY: aligned (checked), sized (checked), any bit pattern valid (Pod).
    unsafe {
        std::slice::from_raw_parts(
            bytes.as_ptr().cast(),
            bytes.len() / std::mem::size_of::<T>(),
        )
    }
}

#[cfg(not(target_endian = "little"))]
compile_error!("the FM-index file format is little-endian");
