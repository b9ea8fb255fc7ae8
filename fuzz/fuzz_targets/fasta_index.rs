//! A FASTA and a `.fai` beside it that may not be its index: the bytes before the first NUL
//! are the FASTA, the rest the `.fai` (written after it, so it is not older). Whatever the
//! index says, the genome must read the bases the streaming parser reads, never others: a
//! wrong index is rebuilt (the folder is writable) or not used.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (fasta, fai) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    dnactx_fuzz::quiet_htslib();
    let oracle = dnactx_fuzz::parse(fasta);
    let path = dnactx_fuzz::fresh("g.fa");
    std::fs::write(&path, fasta).expect("writing the input");
    std::fs::write(path.with_extension("fa.fai"), fai).expect("writing the index");
    dnactx_fuzz::check_genome(&path, &oracle, true);
});
