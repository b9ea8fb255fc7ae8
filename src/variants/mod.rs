//! Scoring SNVs with a context model: how surprising is the ALT allele in its context?
//! `LLR = log2 p(ALT) - log2 p(REF)` (as GPN scores variants), with p the model's prediction
//! of the center base from its flanks. Only the model's view of the position matters, so a
//! variant's score never depends on its own REF base.
//!
//! Positions are 0-based inside (a VCF's POS 1 is position 0).
//!
//! - [`input`]: reading a VCF or BCF, whole or one region of it, each record with its
//!   [`Place`] (line, or record number) and VCF text checked where htslib would coerce it;
//! - [`contigs`]: VCF contig names to the genome's;
//! - [`score`]: the scores of one record's alleles;
//! - [`records`]: records in, scores out, batch by batch ([`score_records`], [`score_file`]);
//! - [`run`]: score-variants as a whole ([`score_variants`]);
//! - [`header`], [`annotate`], [`output`]: the annotated VCF/BCF and its index;
//! - [`table`]: the Parquet table, one row per ALT allele.

pub mod annotate;
mod check;
pub mod contigs;
pub mod header;
pub mod input;
pub mod output;
pub mod place;
pub mod records;
pub mod run;
pub mod score;
pub mod table;
mod text;

pub use contigs::{ChrPrefix, ContigNames};
pub use input::VcfInput;
pub use output::OutputFormat;
pub use place::Place;
pub use records::{ScoreOptions, Summary, score_file, score_records};
pub use run::{Request, score_variants};
pub use score::{AlleleScore, RecordScore, Site, Skip, ref_matches, score_sites};
