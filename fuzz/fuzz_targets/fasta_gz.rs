//! Compressed FASTA: the first byte picks gzip (flate2; streamed) or bgzip (htslib's BGZF
//! writer; indexed through .fai and .gzi), the rest is the FASTA text. The genome opened from
//! the file must read what the streaming parser reads from the uncompressed bytes.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, text)) = data.split_first() else {
        return;
    };
    dnactx_fuzz::quiet_htslib();
    let oracle = dnactx_fuzz::parse(text);
    let path = dnactx_fuzz::fresh("g.fa.gz");
    if mode & 1 == 0 {
        dnactx_fuzz::write_input(&path, text, true);
    } else {
        let mut bgzf =
            rust_htslib::bgzf::Writer::from_path(&path).expect("creating the BGZF input");
        bgzf.write_all(text).expect("writing the input");
        drop(bgzf);
    }
    if dnactx_fuzz::check_genome(&path, &oracle, false).is_some() && mode & 1 == 1 {
        dnactx_fuzz::check_genome(&path, &oracle, false);
    }
});
