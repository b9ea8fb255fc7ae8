//! `score-variants`: annotate the SNVs of a VCF/BCF with the model's view of them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use polars::prelude::*;
use rust_htslib::bcf;

use crate::genome::{EncodedSeq, Genome};
use crate::io::parquet::{self as pq, Metadata};
use crate::io::{Compression, TempOutput, sniff_compression};
use crate::predict::Predictor;
use crate::variants::{RecordScore, Site, score_sites};

/// Score every SNV allele of a VCF or BCF: the model's probability of REF and ALT in
/// context, LLR = log2 p(ALT) - log2 p(REF), the predicted base and the entropy. Every
/// record and header line is kept; indels and other non-SNVs pass through unscored, flagged.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:\n  score-variants -g genome.fa.gz -m kmers.parquet -i calls.vcf.gz -o scored.vcf.gz --index\n  score-variants -g hg38.fa.gz -m models/cnn -i clinvar.vcf.gz --chr-prefix add --parquet scores.parquet\n\nINFO fields: DNACTX_P_REF, DNACTX_P_ALT (per ALT), DNACTX_LLR (per ALT), DNACTX_PRED,\nDNACTX_ENTROPY, and the flags DNACTX_NOT_SNV and DNACTX_REF_MISMATCH."
)]
pub struct Args {
    /// Genome FASTA (plain, gzip or bgzip).
    #[arg(short, long)]
    pub genome: PathBuf,
    #[command(flatten)]
    pub model: super::model::ModelArgs,
    /// Variants: VCF (plain or bgzip) or BCF.
    #[arg(short, long)]
    pub input: PathBuf,
    /// Output VCF/BCF: `.vcf` plain, `.vcf.gz` bgzip, `.bcf` BCF (or --output-type).
    #[arg(short, long, required_unless_present = "parquet")]
    pub output: Option<PathBuf>,
    /// Output format, when the extension does not say.
    #[arg(long, value_enum)]
    pub output_type: Option<OutputType>,
    /// Index the output (.tbi for bgzip VCF, .csi for BCF).
    #[arg(long)]
    pub index: bool,
    /// Write a Parquet table (one row per ALT allele) instead of, or beside, the VCF.
    #[arg(long)]
    pub parquet: Option<PathBuf>,
    /// Only this region, `chrom:start-end` (1-based inclusive, VCF names); needs a bgzip
    /// VCF or a BCF with an index.
    #[arg(long)]
    pub region: Option<String>,
    /// Map VCF contig names to the genome's: a two-column TSV (VCF name, genome name).
    #[arg(long)]
    pub contig_map: Option<PathBuf>,
    /// Add or remove a `chr` prefix to turn VCF contig names into the genome's.
    #[arg(long, value_enum)]
    pub chr_prefix: Option<ChrPrefix>,
    /// Average each prediction with the reverse complement's.
    #[arg(long)]
    pub rc_average: bool,
    /// Variants predicted per batch.
    #[arg(long, default_value_t = 4096)]
    pub batch: usize,
    #[command(flatten)]
    pub common: super::Common,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputType {
    Vcf,
    VcfGz,
    Bcf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChrPrefix {
    Add,
    Remove,
}

/// htslib's record error bits for an undeclared contig and an undeclared tag.
const BCF_ERR_CTG_UNDEF: i32 = 1;
const BCF_ERR_TAG_UNDEF: i32 = 2;

const INFO_LINES: [&str; 7] = [
    r#"##INFO=<ID=DNACTX_P_REF,Number=1,Type=Float,Description="dnactx: model probability of the REF base given its flanks">"#,
    r#"##INFO=<ID=DNACTX_P_ALT,Number=A,Type=Float,Description="dnactx: model probability of each ALT base given the flanks (SNVs only)">"#,
    r#"##INFO=<ID=DNACTX_LLR,Number=A,Type=Float,Description="dnactx: log2 p(ALT) - log2 p(REF) (SNVs only)">"#,
    r#"##INFO=<ID=DNACTX_PRED,Number=1,Type=String,Description="dnactx: most probable base given the flanks">"#,
    r#"##INFO=<ID=DNACTX_ENTROPY,Number=1,Type=Float,Description="dnactx: entropy of the prediction, bits">"#,
    r#"##INFO=<ID=DNACTX_NOT_SNV,Number=0,Type=Flag,Description="dnactx: at least one ALT allele is not an SNV (indel, MNP, symbolic) and was not scored">"#,
    r#"##INFO=<ID=DNACTX_REF_MISMATCH,Number=0,Type=Flag,Description="dnactx: REF is missing or does not match the genome; not scored">"#,
];

/// The per-allele table written by --parquet.
#[derive(Default)]
struct Table {
    chrom: Vec<String>,
    pos: Vec<u64>,
    reference: Vec<String>,
    alt: Vec<String>,
    scored: Vec<bool>,
    reason: Vec<Option<&'static str>>,
    p_ref: Vec<Option<f32>>,
    p_alt: Vec<Option<f32>>,
    llr: Vec<Option<f32>>,
    pred: Vec<Option<String>>,
    entropy: Vec<Option<f32>>,
}

#[derive(Default)]
struct Tally {
    records: u64,
    scored: u64,
    not_snv: u64,
    mismatches: u64,
    examples: Vec<String>,
}

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let rename = ContigNames::new(&args, &genome)?;
    let (model, model_meta) = args.model.load(&args.common)?;
    let mut reader = open_input(&args)?;
    let header_view = reader.header().clone();
    let mut header = bcf::Header::from_template(&header_view);
    for line in INFO_LINES {
        header.push_record(line.as_bytes());
    }
    // A VCF without ##contig lines (htslib learns them from the records) gets them from the
    // genome, under the VCF's names, so the output header is complete.
    for c in genome.contigs() {
        let vcf = rename.vcf_name(&c.name);
        if header_view.name2rid(vcf.as_bytes()).is_err() {
            header.push_record(format!("##contig=<ID={vcf},length={}>", c.len).as_bytes());
        }
    }
    header.push_record(
        format!(
            "##dnactx_model={} ({})",
            args.model.path.display(),
            model.describe()
        )
        .as_bytes(),
    );
    header.push_record(format!("##dnactx_version={}", crate::VERSION).as_bytes());

    let mut out = match &args.output {
        Some(path) => Some(VcfOut::create(path, &header, output_type(&args, path)?)?),
        None => None,
    };
    let mut table = args.parquet.as_ref().map(|_| Table::default());
    let mut tally = Tally::default();
    let started = Instant::now();
    let mut flush_now = |batch: &mut Vec<bcf::Record>, contig: Option<&(String, EncodedSeq)>| {
        flush(
            batch,
            contig,
            model.as_ref(),
            &args,
            &mut out,
            &mut table,
            &mut tally,
        )
    };
    let mut batch: Vec<bcf::Record> = Vec::new();
    let mut current: Option<(String, EncodedSeq)> = None;
    for rec in reader.records() {
        let rec = rec.with_context(|| format!("{}: reading a record", args.input.display()))?;
        let vcf_name = contig_name(&rec, &args.input)?;
        let name = rename.genome_name(&vcf_name, &rec)?;
        if current.as_ref().map(|c| &c.0) != Some(&name) {
            flush_now(&mut batch, current.as_ref())?;
            current = Some((name.clone(), genome.fetch(&name)?));
        }
        batch.push(rec);
        if batch.len() >= args.batch.max(1) {
            flush_now(&mut batch, current.as_ref())?;
        }
    }
    flush_now(&mut batch, current.as_ref())?;
    let seconds = started.elapsed().as_secs_f64();

    if let (Some(path), Some(table)) = (&args.parquet, table) {
        write_table(path, table, &model_meta)?;
    }
    if let Some(out) = out {
        out.finish(args.index)?;
    }
    if !args.common.quiet {
        eprintln!(
            "score-variants: {} records, {} SNV alleles scored, {} non-SNV alleles passed through, {} REF mismatches; {:.0} variants/s ({})",
            tally.records,
            tally.scored,
            tally.not_snv,
            tally.mismatches,
            tally.records as f64 / seconds.max(1e-9),
            model.describe()
        );
    }
    if tally.mismatches > 0 {
        eprintln!(
            "warning: {} record(s) whose REF is missing or does not match {} were not scored; first: {}",
            tally.mismatches,
            args.genome.display(),
            tally.examples.join("; ")
        );
    }
    Ok(())
}

fn open_input(args: &Args) -> Result<Box<dyn ReadRecords>> {
    let path = &args.input;
    if !path.is_file() {
        bail!("{}: no such file", path.display());
    }
    let Some(region) = &args.region else {
        let r = bcf::Reader::from_path(path)
            .map_err(|e| anyhow::anyhow!("{}: not a readable VCF/BCF: {e}", path.display()))?;
        return Ok(Box::new(r));
    };
    let bgzf = sniff_compression(path)? == Compression::Bgzf;
    let name = path.to_string_lossy();
    let has_index = [".tbi", ".csi"]
        .iter()
        .any(|ext| Path::new(&format!("{name}{ext}")).is_file());
    if !bgzf {
        bail!(
            "{}: --region needs a bgzip-compressed VCF (or a BCF) with an index; compress it with `bgzip` and index it with `tabix -p vcf`",
            path.display()
        );
    }
    if !has_index {
        bail!(
            "{}: --region needs an index ({name}.tbi or {name}.csi); make one with `tabix -p vcf {name}` (or `bcftools index`)",
            path.display()
        );
    }
    let mut r = bcf::IndexedReader::from_path(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot open with its index: {e}", path.display()))?;
    let (chrom, start, end) = parse_region(region)?;
    let rid = bcf::Read::header(&r)
        .name2rid(chrom.as_bytes())
        .map_err(|_| {
            anyhow::anyhow!(
                "--region {region}: {} has no contig '{chrom}'",
                path.display()
            )
        })?;
    r.fetch(rid, start, end)
        .map_err(|e| anyhow::anyhow!("--region {region}: {e}"))?;
    Ok(Box::new(r))
}

/// `chrom:start-end`, 1-based inclusive, to (chrom, 0-based start, 0-based inclusive end).
fn parse_region(region: &str) -> Result<(String, u64, Option<u64>)> {
    let bad = || {
        anyhow::anyhow!("--region '{region}': use chrom, chrom:start or chrom:start-end (1-based)")
    };
    let Some((chrom, range)) = region.rsplit_once(':') else {
        return Ok((region.to_string(), 0, None));
    };
    let range = range.replace(',', "");
    let (s, e) = match range.split_once('-') {
        Some((s, e)) => (
            s.parse::<u64>().map_err(|_| bad())?,
            Some(e.parse::<u64>().map_err(|_| bad())?),
        ),
        None => (range.parse::<u64>().map_err(|_| bad())?, None),
    };
    if s == 0 || e.is_some_and(|e| e < s) {
        return Err(bad());
    }
    Ok((chrom.to_string(), s - 1, e.map(|e| e - 1)))
}

/// The record readers we use, behind one interface.
trait ReadRecords {
    fn header(&self) -> &bcf::header::HeaderView;
    fn records(
        &mut self,
    ) -> Box<dyn Iterator<Item = rust_htslib::errors::Result<bcf::Record>> + '_>;
}

impl ReadRecords for bcf::Reader {
    fn header(&self) -> &bcf::header::HeaderView {
        bcf::Read::header(self)
    }
    fn records(
        &mut self,
    ) -> Box<dyn Iterator<Item = rust_htslib::errors::Result<bcf::Record>> + '_> {
        Box::new(bcf::Read::records(self))
    }
}

impl ReadRecords for bcf::IndexedReader {
    fn header(&self) -> &bcf::header::HeaderView {
        bcf::Read::header(self)
    }
    fn records(
        &mut self,
    ) -> Box<dyn Iterator<Item = rust_htslib::errors::Result<bcf::Record>> + '_> {
        Box::new(bcf::Read::records(self))
    }
}

/// The record's contig, through the reader's own header (which learns contigs as it reads).
fn contig_name(rec: &bcf::Record, path: &Path) -> Result<String> {
    let rid = rec
        .rid()
        .ok_or_else(|| anyhow::anyhow!("{}: a record without a contig", path.display()))?;
    let name = rec
        .header()
        .rid2name(rid)
        .map_err(|e| anyhow::anyhow!("{}: contig id {rid}: {e}", path.display()))?;
    Ok(String::from_utf8_lossy(name).into_owned())
}

/// VCF contig names to genome names.
struct ContigNames<'a> {
    map: HashMap<String, String>,
    prefix: Option<ChrPrefix>,
    genome: &'a Genome,
    input: PathBuf,
}

impl<'a> ContigNames<'a> {
    fn new(args: &Args, genome: &'a Genome) -> Result<Self> {
        let mut map = HashMap::new();
        if let Some(path) = &args.contig_map {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() || line.starts_with('#') {
                    continue;
                }
                let cols: Vec<&str> = line.split('\t').collect();
                if cols.len() < 2 {
                    bail!(
                        "{}:{}: expected two tab-separated columns (VCF name, genome name)",
                        path.display(),
                        i + 1
                    );
                }
                map.insert(cols[0].to_string(), cols[1].to_string());
            }
        }
        Ok(ContigNames {
            map,
            prefix: args.chr_prefix,
            genome,
            input: args.input.clone(),
        })
    }

    /// The VCF's name of a genome contig (the inverse mapping).
    fn vcf_name(&self, genome: &str) -> String {
        if let Some((vcf, _)) = self.map.iter().find(|(_, g)| g.as_str() == genome) {
            return vcf.clone();
        }
        match self.prefix {
            Some(ChrPrefix::Add) => genome.strip_prefix("chr").unwrap_or(genome).to_string(),
            Some(ChrPrefix::Remove) => format!("chr{genome}"),
            None => genome.to_string(),
        }
    }

    fn genome_name(&self, vcf: &str, rec: &bcf::Record) -> Result<String> {
        let name = match (self.map.get(vcf), self.prefix) {
            (Some(n), _) => n.clone(),
            (None, Some(ChrPrefix::Add)) => format!("chr{vcf}"),
            (None, Some(ChrPrefix::Remove)) => vcf.strip_prefix("chr").unwrap_or(vcf).to_string(),
            (None, None) => vcf.to_string(),
        };
        if self.genome.contig(&name).is_some() {
            return Ok(name);
        }
        let how = if self.map.is_empty() && self.prefix.is_none() {
            " (map names with --contig-map FILE or --chr-prefix add|remove)"
        } else {
            ""
        };
        bail!(
            "{}: record at {vcf}:{} is on contig '{vcf}'{}, which {} lacks{how}; it has: {}",
            self.input.display(),
            rec.pos() + 1,
            if name != vcf {
                format!(" (mapped to '{name}')")
            } else {
                String::new()
            },
            self.genome.path().display(),
            self.genome.contig_list()
        )
    }
}

/// Scores the buffered records of one contig and writes them out.
#[allow(clippy::too_many_arguments)]
fn flush(
    batch: &mut Vec<bcf::Record>,
    contig: Option<&(String, EncodedSeq)>,
    model: &dyn Predictor,
    args: &Args,
    out: &mut Option<VcfOut>,
    table: &mut Option<Table>,
    tally: &mut Tally,
) -> Result<()> {
    let Some((name, seq)) = contig else {
        return Ok(());
    };
    if batch.is_empty() {
        return Ok(());
    }
    let sites: Vec<Site> = batch
        .iter()
        .map(|r| Site {
            pos: r.pos().max(0) as usize,
            alleles: r.alleles(),
        })
        .collect();
    let scores = score_sites(model, seq.codes(), &sites, args.rc_average)?;
    drop(sites);
    for (rec, score) in batch.iter_mut().zip(&scores) {
        tally.records += 1;
        tally.scored += score.alleles.iter().filter(|a| a.skip.is_none()).count() as u64;
        tally.not_snv += score
            .alleles
            .iter()
            .filter(|a| a.skip == Some(crate::variants::Skip::NotSnv))
            .count() as u64;
        if score.ref_mismatch {
            tally.mismatches += 1;
            if tally.examples.len() < 5 {
                let reference = rec
                    .alleles()
                    .first()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .unwrap_or_default();
                let actual = seq
                    .codes()
                    .get(rec.pos().max(0) as usize)
                    .map(|&c| crate::genome::encode::decode(c) as char)
                    .unwrap_or('-');
                tally.examples.push(format!(
                    "{name}:{} REF {reference}, genome {actual}",
                    rec.pos() + 1
                ));
            }
        }
        if let Some(t) = table.as_mut() {
            add_rows(t, name, rec, score);
        }
        if let Some(o) = out.as_mut() {
            o.write(rec, score)?;
        }
    }
    batch.clear();
    Ok(())
}

fn add_rows(t: &mut Table, chrom: &str, rec: &bcf::Record, score: &RecordScore) {
    let alleles = rec.alleles();
    let reference =
        String::from_utf8_lossy(alleles.first().copied().unwrap_or_default()).into_owned();
    let pe = score.pred_entropy();
    for a in &score.alleles {
        t.chrom.push(chrom.to_string());
        t.pos.push(rec.pos() as u64 + 1);
        t.reference.push(reference.clone());
        t.alt.push(String::from_utf8_lossy(&a.alt).into_owned());
        t.scored.push(a.skip.is_none());
        t.reason.push(a.skip.map(|s| s.as_str()));
        t.p_ref.push(score.p_ref);
        t.p_alt.push(a.p_alt);
        t.llr.push(a.llr);
        t.pred.push(pe.map(|(b, _)| (b as char).to_string()));
        t.entropy.push(pe.map(|(_, e)| e));
    }
}

/// `--parquet`: chrom, pos (1-based, as in the VCF), ref, alt, scored, reason, p_ref, p_alt,
/// llr, pred, entropy; one row per ALT allele.
fn write_table(path: &Path, t: Table, meta: &Metadata) -> Result<()> {
    let n = t.chrom.len();
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new("chrom".into(), t.chrom),
            Column::new("pos".into(), t.pos),
            Column::new("ref".into(), t.reference),
            Column::new("alt".into(), t.alt),
            Column::new("scored".into(), t.scored),
            Column::new("reason".into(), t.reason),
            Column::new("p_ref".into(), t.p_ref),
            Column::new("p_alt".into(), t.p_alt),
            Column::new("llr".into(), t.llr),
            Column::new("pred".into(), t.pred),
            Column::new("entropy".into(), t.entropy),
        ],
    )
    .map_err(|e| crate::Error::parquet(path, e))?;
    let mut meta = meta.clone();
    meta.insert("dnactx.kind".into(), "variant_scores".into());
    meta.insert("dnactx.version".into(), crate::VERSION.into());
    pq::write(path, &mut df, &meta)?;
    Ok(())
}

fn output_type(args: &Args, path: &Path) -> Result<OutputType> {
    if let Some(t) = args.output_type {
        return Ok(t);
    }
    let name = path.to_string_lossy();
    Ok(if name.ends_with(".vcf.gz") || name.ends_with(".vcf.bgz") {
        OutputType::VcfGz
    } else if name.ends_with(".bcf") {
        OutputType::Bcf
    } else if name.ends_with(".vcf") {
        OutputType::Vcf
    } else {
        bail!(
            "{}: cannot tell the output format from the name: end it in .vcf, .vcf.gz or .bcf, or give --output-type",
            path.display()
        )
    })
}

/// A VCF/BCF written to a temporary file, renamed (with its index) at the end.
struct VcfOut {
    writer: Option<bcf::Writer>,
    temp: TempOutput,
    kind: OutputType,
}

impl VcfOut {
    fn create(dest: &Path, header: &bcf::Header, kind: OutputType) -> Result<VcfOut> {
        let temp = TempOutput::new(dest)?;
        let (uncompressed, format) = match kind {
            OutputType::Vcf => (true, bcf::Format::Vcf),
            OutputType::VcfGz => (false, bcf::Format::Vcf),
            OutputType::Bcf => (false, bcf::Format::Bcf),
        };
        let writer = bcf::Writer::from_path(temp.path(), header, uncompressed, format)
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", dest.display()))?;
        Ok(VcfOut {
            writer: Some(writer),
            temp,
            kind,
        })
    }

    fn write(&mut self, rec: &mut bcf::Record, score: &RecordScore) -> Result<()> {
        let writer = self
            .writer
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("writer closed"))?;
        // htslib marks records whose contig or INFO tag the header did not declare (it adds
        // them itself); the output header declares them, so those marks are cleared. Any
        // other parse error is reported, not left to htslib (which would exit).
        let inner = rec.inner_mut();
        inner.errcode &= !(BCF_ERR_CTG_UNDEF | BCF_ERR_TAG_UNDEF);
        if inner.errcode != 0 {
            bail!(
                "the record at position {} could not be parsed (htslib error code {})",
                rec.pos() + 1,
                rec.inner().errcode
            );
        }
        writer.translate(rec);
        annotate(rec, score).map_err(|e| {
            anyhow::anyhow!("{}: annotating a record: {e}", self.temp.dest().display())
        })?;
        writer
            .write(rec)
            .map_err(|e| anyhow::anyhow!("{}: writing: {e}", self.temp.dest().display()))
    }

    fn finish(mut self, index: bool) -> Result<()> {
        drop(self.writer.take());
        let dest = self.temp.dest().to_path_buf();
        let mut index_files = Vec::new();
        if index {
            let (ext, kind) = match self.kind {
                OutputType::VcfGz => ("tbi", bcf::index::Type::Tbx),
                OutputType::Bcf => ("csi", bcf::index::Type::Csi(14)),
                OutputType::Vcf => bail!(
                    "{}: --index needs a compressed output (.vcf.gz or .bcf)",
                    dest.display()
                ),
            };
            let tmp_index = PathBuf::from(format!("{}.{ext}", self.temp.path().display()));
            bcf::index::build(self.temp.path(), Some(tmp_index.as_path()), 1, kind)
                .map_err(|e| anyhow::anyhow!("{}: indexing: {e}", dest.display()))?;
            index_files.push((
                tmp_index,
                PathBuf::from(format!("{}.{ext}", dest.display())),
            ));
        }
        self.temp.commit()?;
        for (from, to) in index_files {
            std::fs::rename(&from, &to).with_context(|| format!("writing {}", to.display()))?;
        }
        Ok(())
    }
}

fn annotate(rec: &mut bcf::Record, score: &RecordScore) -> rust_htslib::errors::Result<()> {
    use rust_htslib::bcf::record::Numeric;
    if let Some(p) = score.p_ref {
        rec.push_info_float(b"DNACTX_P_REF", &[p])?;
    }
    if score.alleles.iter().any(|a| a.p_alt.is_some()) {
        let p_alt: Vec<f32> = score
            .alleles
            .iter()
            .map(|a| a.p_alt.unwrap_or_else(f32::missing))
            .collect();
        let llr: Vec<f32> = score
            .alleles
            .iter()
            .map(|a| a.llr.unwrap_or_else(f32::missing))
            .collect();
        rec.push_info_float(b"DNACTX_P_ALT", &p_alt)?;
        rec.push_info_float(b"DNACTX_LLR", &llr)?;
    }
    if let Some((pred, entropy)) = score.pred_entropy() {
        rec.push_info_string(b"DNACTX_PRED", &[&[pred]])?;
        rec.push_info_float(b"DNACTX_ENTROPY", &[entropy])?;
    }
    if score.any_not_snv() {
        rec.push_info_flag(b"DNACTX_NOT_SNV")?;
    }
    if score.ref_mismatch {
        rec.push_info_flag(b"DNACTX_REF_MISMATCH")?;
    }
    Ok(())
}
