//! Real assemblies: what each contig is (primary chromosome, mitochondrion, alt haplotype,
//! random, unplaced, decoy, HLA, viral), which chromosome it belongs to, and the split plan
//! built from that so that no copy of training sequence is tested. One place the tools
//! (make-windows, plan-splits) and the workflow share.

mod build;
pub mod class;
pub mod contigs;
mod folds;
mod jobs;
pub mod plan;
pub mod report;
pub mod starter;
mod windowed;

pub use class::{ContigClass, classify_name};
pub use jobs::safe_name;
pub use plan::{ContigInfo, CrossfitConfig, Folds, Plan, PlanRow, PlanSettings, classify};
pub use report::{Given, Overrides, read_assembly_report, read_contig_table};
