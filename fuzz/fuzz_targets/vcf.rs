//! The VCF-to-scoring path (`variants::score_file`: reading, checking, contig mapping,
//! REF/POS checks, scoring through a k-mer model) against a small genome. The first byte
//! picks the form: bit 0 set, the rest is the whole file; clear, a fixed header (two of the
//! three contigs declared) comes first and the rest is the records. Bit 1 gzips the file.
//!
//! Refused input must be refused with the file's name. Accepted input is checked record by
//! record against a naive reading of the lines after `#CHROM`: one score per line, the
//! contig and POS on the genome, REF compared base by base, and every SNV's log-likelihood
//! ratio recomputed from the model's own prediction at that position.
#![no_main]

use std::sync::OnceLock;

use dnactx::genome::{Genome, encode};
use dnactx::kmer::{CountTable, KmerModel, KmerSettings, Strands};
use dnactx::regions::IntervalSet;
use dnactx::variants;
use libfuzzer_sys::fuzz_target;

/// Real bases (the start of tests/data's S. aureus genome), a soft-masked run, Ns, IUPAC.
const GENOME: &str = ">chr1 first\nCGATTAAAGATAGAAATACACGATGCGAGCAATCAAATTTCATAACATCACCATGAGTTTGGTCCGAAGCATGAGTGTTTACAATGTTTGAATACCTTATACAGTTCTTATACATACTTTATAAATTATTTCCCAAACTGTTTTGATACACTCACTAACAGATACTCTTGTTTAAAGTTTGCACTAGacgatttaggtcagNNNNNacgtRYK\n>chr2\nACGTNNNACGGT\n>M\nA\n";

const HEADER: &str = "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=213>\n##contig=<ID=chr2,length=12>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";

struct World {
    genome: Genome,
    model: KmerModel,
    /// Each contig's encoded bases.
    codes: Vec<(String, Vec<u8>)>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        dnactx_fuzz::quiet_htslib();
        let path = dnactx_fuzz::scratch().join("genome.fa");
        std::fs::write(&path, GENOME).expect("writing the genome");
        let genome = Genome::open(&path).expect("opening the genome");
        let mut table = CountTable::new(2, 1 << 20);
        let mut codes = Vec::new();
        for c in genome.contigs() {
            let seq = genome.fetch(&c.name).expect("fetching a contig");
            let whole = IntervalSet::from_unsorted(vec![(0, c.len as u64)]);
            table.count_contig(seq.codes(), &whole, Strands::Both);
            codes.push((c.name.clone(), seq.codes().to_vec()));
        }
        let settings = KmerSettings {
            pseudocount: 1.0,
            backoff: true,
            budget_bytes: 1 << 20,
            keep_counts: false,
        };
        let model = KmerModel::new(table, settings);
        World {
            genome,
            model,
            codes,
        }
    })
}

/// REF against the genome, base by base: case-insensitive; a genome base that is not A/C/G/T
/// matches any REF letter but A/C/G/T.
fn naive_ref_ok(codes: &[u8], pos: usize, reference: &[u8]) -> bool {
    if reference.is_empty() || reference == b"." || pos + reference.len() > codes.len() {
        return false;
    }
    reference.iter().enumerate().all(|(i, &r)| {
        let g = encode::decode(codes[pos + i]).to_ascii_uppercase();
        let r = r.to_ascii_uppercase();
        let acgt = |b: u8| b"ACGT".contains(&b);
        r == g || (!acgt(g) && !acgt(r))
    })
}

fn base(allele: &[u8]) -> Option<usize> {
    match allele {
        [b] => b"ACGT".iter().position(|&x| x == b.to_ascii_uppercase()),
        _ => None,
    }
}

/// One record line against its score.
fn check_record(w: &World, line: &[u8], score: &variants::RecordScore) {
    let cols: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    assert!(
        cols.len() >= 8,
        "an accepted line with {} columns",
        cols.len()
    );
    let chrom = String::from_utf8_lossy(cols[0]);
    let (_, codes) = w
        .codes
        .iter()
        .find(|(n, _)| *n == chrom)
        .unwrap_or_else(|| panic!("a record on '{chrom}', not a contig of the genome"));
    let pos: usize = std::str::from_utf8(cols[1])
        .ok()
        .and_then(|p| p.parse().ok())
        .expect("an accepted POS is a number");
    assert!(
        (1..=codes.len()).contains(&pos),
        "POS {pos} accepted on a contig of {}",
        codes.len()
    );
    let pos = pos - 1;
    let reference = cols[3];
    let alts: Vec<&[u8]> = if cols[4] == b"." {
        Vec::new()
    } else {
        cols[4].split(|&b| b == b',').collect()
    };
    let ref_ok = naive_ref_ok(codes, pos, reference);
    assert_eq!(
        score.ref_mismatch,
        !ref_ok,
        "REF {:?}",
        String::from_utf8_lossy(reference)
    );
    assert_eq!(score.alleles.len(), alts.len(), "alleles");
    let mut probs = Vec::new();
    w.model.predict(codes, pos, pos + 1, &mut probs);
    let p = probs[0];
    let predicted = ref_ok && !p[0].is_nan();
    for (alt, a) in alts.iter().zip(&score.alleles) {
        assert_eq!(&a.alt[..], *alt, "ALT");
        let snv = base(reference).zip(base(alt));
        match (snv, predicted) {
            (Some((r, x)), true) => {
                let want = p[x].log2() - p[r].log2();
                let got = a
                    .llr
                    .expect("an SNV with a matching REF and a prediction is scored");
                assert!((got - want).abs() < 1e-5, "LLR {got} against {want}");
            }
            _ => assert!(a.llr.is_none(), "a score for {a:?}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let w = world();
    let mut text = Vec::new();
    if mode & 1 == 0 {
        text.extend_from_slice(HEADER.as_bytes());
    }
    text.extend_from_slice(rest);
    let path = dnactx_fuzz::fresh("v.vcf");
    dnactx_fuzz::write_input(&path, &text, mode & 2 != 0);
    let scores = match variants::score_file(&path, &w.genome, &w.model) {
        Ok(s) => s,
        Err(e) => {
            assert!(
                e.to_string().contains("v.vcf"),
                "error without the file name: {e}"
            );
            return;
        }
    };
    // the records: every line after #CHROM (a last empty piece is the final line break)
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    if lines.last() == Some(&&b""[..]) {
        lines.pop();
    }
    let body = match lines.iter().position(|l| l.starts_with(b"#CHROM")) {
        Some(i) => &lines[i + 1..],
        None => panic!("accepted without a #CHROM line"),
    };
    assert_eq!(scores.len(), body.len(), "one score per record line");
    for (line, score) in body.iter().zip(&scores) {
        check_record(w, line, score);
    }
});
