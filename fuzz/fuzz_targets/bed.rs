//! BED against a small genome: the first byte picks plain or gzip, the rest is the BED text.
//! An accepted file has only records on the genome's contigs within their bounds, reads back
//! the same after `write_bed`, and merges (`to_sets`) into the intervals a per-base mask
//! gives; a refused one is refused with the file's name.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use dnactx::genome::Genome;
use dnactx::regions::bed::{self, BedRecord};
use libfuzzer_sys::fuzz_target;

const GENOME: &str = ">chr1 first\nACGTACGTAC\nGTACGTACGT\nNNNNacgtac\n>chr2\nACGTNNN\n>M\nA\n";

fn genome() -> &'static Genome {
    static GENOME_ONCE: OnceLock<Genome> = OnceLock::new();
    GENOME_ONCE.get_or_init(|| {
        let path = dnactx_fuzz::scratch().join("genome.fa");
        std::fs::write(&path, GENOME).expect("writing the genome");
        Genome::open(&path).expect("opening the genome")
    })
}

/// The merged intervals of each contig, from a per-base mask.
fn naive_sets(records: &[BedRecord], genome: &Genome) -> BTreeMap<String, Vec<(u64, u64)>> {
    let mut masks: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    for r in records {
        let len = genome.contig(&r.chrom).expect("a known contig").len;
        let mask = masks
            .entry(r.chrom.clone())
            .or_insert_with(|| vec![false; len]);
        for b in &mut mask[r.start as usize..r.end as usize] {
            *b = true;
        }
    }
    masks
        .into_iter()
        .map(|(chrom, mask)| {
            let mut runs = Vec::new();
            let mut start = None;
            for (i, &m) in mask.iter().chain([&false]).enumerate() {
                match (m, start) {
                    (true, None) => start = Some(i as u64),
                    (false, Some(s)) => {
                        runs.push((s, i as u64));
                        start = None;
                    }
                    _ => {}
                }
            }
            (chrom, runs)
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, text)) = data.split_first() else {
        return;
    };
    let genome = genome();
    let path = dnactx_fuzz::fresh("r.bed");
    dnactx_fuzz::write_input(&path, text, mode & 1 == 1);
    let records = match bed::read_bed(&path, genome) {
        Ok(r) => r,
        Err(e) => {
            assert!(
                e.to_string().contains("r.bed"),
                "error without the file name: {e}"
            );
            return;
        }
    };
    for r in &records {
        let contig = genome.contig(&r.chrom).expect("a record on a known contig");
        assert!(r.start <= r.end && r.end <= contig.len as u64, "{r:?}");
    }
    let copy = dnactx_fuzz::fresh("w.bed");
    bed::write_bed(&copy, records.clone()).expect("writing the records back");
    let again = bed::read_bed(&copy, genome).expect("reading what write_bed wrote");
    assert_eq!(again, records, "write_bed then read_bed");
    let sets: BTreeMap<String, Vec<(u64, u64)>> = bed::to_sets(&records)
        .into_iter()
        .map(|(c, s)| (c, s.intervals().to_vec()))
        .filter(|(_, ivs)| !ivs.is_empty())
        .collect();
    let mut naive = naive_sets(&records, genome);
    naive.retain(|_, runs| !runs.is_empty());
    assert_eq!(sets, naive, "to_sets against a per-base mask");
});
