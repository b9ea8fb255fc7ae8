//! Plain FASTA: the bytes as a file, opened as a genome (which builds and checks a faidx
//! index), every contig read back and compared with the streaming parser's reading of the
//! same bytes; then opened again through the index it built.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    dnactx_fuzz::quiet_htslib();
    let oracle = dnactx_fuzz::parse(data);
    let path = dnactx_fuzz::fresh("g.fa");
    std::fs::write(&path, data).expect("writing the input");
    if dnactx_fuzz::check_genome(&path, &oracle, false).is_some() {
        dnactx_fuzz::check_genome(&path, &oracle, false);
    }
});
