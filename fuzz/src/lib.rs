//! What the fuzz targets share: a scratch folder per process, the FASTA oracle (our
//! streaming parser over the bytes in memory), and the check that a genome opened from a file
//! reads exactly the bases the oracle read.
//!
//! Every target panics on a disagreement, so libFuzzer keeps the input as a crash.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use dnactx::genome::fasta::FastaReader;
use dnactx::genome::{Access, Genome};

/// A FASTA record as the oracle read it: name and encoded bases.
pub type Record = (String, Vec<u8>);

/// A folder that lives as long as the fuzzing process.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary folder"))
        .path()
}

/// `scratch()/name`, with the file and every file that starts with its name (indexes,
/// temporaries) removed, so that each input starts from the same state.
pub fn fresh(name: &str) -> PathBuf {
    let dir = scratch();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(name) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    dir.join(name)
}

/// Writes an input file: `bytes` as they are, or gzipped when `gzip`.
pub fn write_input(path: &Path, bytes: &[u8], gzip: bool) {
    if !gzip {
        std::fs::write(path, bytes).expect("writing the input");
        return;
    }
    let file = std::fs::File::create(path).expect("creating the input");
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    gz.write_all(bytes).expect("writing the input");
    gz.finish().expect("writing the input");
}

/// Parses FASTA bytes in memory with the library's streaming reader: every record, or the
/// first error. No records at all is an error, as it is for `Genome::open`.
pub fn parse(bytes: &[u8]) -> Result<Vec<Record>, String> {
    let mut reader = FastaReader::new(bytes, Path::new("fuzz.fa"));
    let mut out = Vec::new();
    loop {
        match reader.next_record() {
            Ok(Some(rec)) => {
                assert!(!rec.name.is_empty() && rec.len > 0, "{rec:?}");
                let seq = rec.seq.expect("next_record keeps the bases");
                assert_eq!(seq.len(), rec.len, "record '{}': length", rec.name);
                out.push((rec.name, seq.into_codes()));
            }
            Ok(None) if out.is_empty() => return Err("no records".into()),
            Ok(None) => return Ok(out),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Opens `path` as a genome and checks it against what the oracle read from the same bytes:
/// it opens when (and only when) the oracle accepted them, with the same contigs in the same
/// order, and `visit_all` and `fetch` return the oracle's bases. Returns the genome.
///
/// `foreign_index`: an index not built by the library lies beside the file. The open-time
/// check reads each contig's header zone, first and last line, so an index that agrees there
/// but not in a line between (a ragged file htslib cannot index, or `;` comment lines inside
/// a record, which htslib counts as bases) is caught only when the contig is read: then
/// reading may fail, naming the file and its `.fai`, but never return other bases.
pub fn check_genome(
    path: &Path,
    oracle: &Result<Vec<Record>, String>,
    foreign_index: bool,
) -> Option<Genome> {
    let opened = Genome::open(path);
    let (genome, records) = match (opened, oracle) {
        (Ok(g), Ok(r)) => (g, r),
        (Err(e), Err(_)) => {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            assert!(
                e.to_string().contains(name.as_ref()),
                "error without the file name: {e}"
            );
            return None;
        }
        // an index that agrees with the file where the check at opening looks (each contig's
        // header, first and last line) lets a file open without being parsed; what is wrong
        // in it is found when a read reaches it, and then the error names the file
        (Ok(g), Err(_)) if foreign_index && g.access() == Access::Indexed => {
            if let Err(e) = g.visit_all(|_, _| Ok(())) {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                assert!(e.to_string().contains(name.as_ref()), "{e}");
            }
            return Some(g);
        }
        (Ok(g), Err(e)) => panic!(
            "Genome::open accepted ({:?}, contigs {:?}) what the reader refused: {e}",
            g.access(),
            g.contigs()
        ),
        (Err(e), Ok(r)) => panic!(
            "Genome::open refused what the reader accepted ({} records): {e}",
            r.len()
        ),
    };
    if foreign_index && genome.access() == Access::Indexed {
        check_bases_or_error(&genome, records);
        return Some(genome);
    }
    let contigs: Vec<(String, usize)> = genome
        .contigs()
        .iter()
        .map(|c| (c.name.clone(), c.len))
        .collect();
    let want: Vec<(String, usize)> = records.iter().map(|(n, s)| (n.clone(), s.len())).collect();
    assert_eq!(contigs, want, "contigs ({:?})", genome.access());
    let mut seen = 0;
    genome
        .visit_all(|contig, seq| {
            let (name, codes) = &records[seen];
            assert_eq!(&contig.name, name, "visit order ({:?})", genome.access());
            assert!(
                seq.codes() == codes.as_slice(),
                "bases of '{name}' differ ({:?})",
                genome.access()
            );
            seen += 1;
            Ok(())
        })
        .unwrap_or_else(|e| panic!("visit_all failed ({:?}): {e}", genome.access()));
    assert_eq!(seen, records.len(), "contigs visited");
    let (name, codes) = records.last().expect("the oracle has records");
    let last = genome
        .fetch(name)
        .unwrap_or_else(|e| panic!("fetch failed ({:?}): {e}", genome.access()));
    assert!(last.codes() == codes.as_slice(), "fetch '{name}'");
    Some(genome)
}

/// `visit_all` reads the oracle's contigs, in order, with the oracle's bases; or it fails,
/// naming the file and its `.fai`.
fn check_bases_or_error(genome: &Genome, records: &[Record]) {
    let mut seen = 0;
    let got = genome.visit_all(|contig, seq| {
        let (name, codes) = records.get(seen).expect("no more contigs than the oracle");
        assert_eq!(&contig.name, name, "visit order through a foreign index");
        assert!(
            seq.codes() == codes.as_slice(),
            "bases of '{name}' differ through a foreign index"
        );
        seen += 1;
        Ok(())
    });
    match got {
        Ok(()) => assert_eq!(
            seen,
            records.len(),
            "contigs visited through a foreign index"
        ),
        Err(e) => {
            let name = genome.path().file_name().unwrap_or_default();
            let e = e.to_string();
            assert!(e.contains(name.to_string_lossy().as_ref()), "{e}");
            assert!(
                e.contains(".fai"),
                "an index error that does not name the index: {e}"
            );
        }
    }
}

/// Quietens htslib's own messages (it prints a warning for every bad input).
pub fn quiet_htslib() {
    unsafe { rust_htslib::htslib::hts_set_log_level(rust_htslib::htslib::htsLogLevel_HTS_LOG_OFF) };
}
