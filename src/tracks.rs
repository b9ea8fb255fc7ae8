//! Per-base bigWig tracks written through bigtools. Each track is written by its own
//! thread, fed in order by bounded channels, so a whole genome streams through with memory
//! bounded by a few batches. Files are written under a temporary name and renamed by
//! [`TrackSet::finish`]; on error nothing is left behind.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use bigtools::beddata::BedParserStreamingIterator;
use bigtools::{BigWigWrite, Value};
use rayon::prelude::*;

use crate::io::TempOutput;
use crate::{Error, Result};

/// A chromosome name shared by all values of a batch (cheap to clone per value).
#[derive(Clone)]
struct Chrom(Arc<str>);

impl From<Chrom> for String {
    fn from(c: Chrom) -> String {
        c.0.to_string()
    }
}

impl PartialEq<&str> for Chrom {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

type Batch = (Arc<str>, Vec<Value>);

struct Track {
    sender: Option<SyncSender<Batch>>,
    handle: Option<JoinHandle<Result<()>>>,
    temp: TempOutput,
}

/// A set of bigWig files written side by side, one value stream each.
pub struct TrackSet {
    tracks: Vec<Track>,
    /// Values pending per track for the current batch.
    pending: Vec<Vec<Value>>,
    chrom: Arc<str>,
    any: bool,
    /// 10^D where values are rounded to D decimals.
    scale: Option<f64>,
}

const BATCH: usize = 1 << 16;

/// The most decimals `--precision` takes: f32 holds about 7 significant digits.
pub const MAX_DECIMALS: u32 = 6;

/// `v` rounded to the decimals of `scale` (10^D), half away from zero.
pub fn round_to(v: f32, scale: f64) -> f32 {
    ((v as f64 * scale).round() / scale) as f32
}

impl Track {
    /// A writer of the bigWig `dest` over contigs of `sizes` on a thread of its own, fed
    /// batches through a short queue.
    fn start(dest: &Path, sizes: HashMap<String, u32>) -> Result<Track> {
        let temp = TempOutput::new(dest)?;
        let writer =
            BigWigWrite::create_file(temp.path(), sizes).map_err(|e| Error::io(dest, e))?;
        let (tx, rx) = sync_channel::<Batch>(4);
        let path = dest.to_path_buf();
        let handle = std::thread::spawn(move || write_track(writer, rx, &path));
        Ok(Track {
            sender: Some(tx),
            handle: Some(handle),
            temp,
        })
    }
}

impl TrackSet {
    /// Starts one writer per destination. `chrom_sizes` lists every contig that may appear.
    pub fn create(dests: &[PathBuf], chrom_sizes: &[(String, u64)]) -> Result<TrackSet> {
        let sizes: HashMap<String, u32> = chrom_sizes
            .iter()
            .map(|(c, l)| (c.clone(), (*l).min(u32::MAX as u64) as u32))
            .collect();
        let tracks = dests
            .iter()
            .map(|dest| Track::start(dest, sizes.clone()))
            .collect::<Result<Vec<_>>>()?;
        let n = tracks.len();
        Ok(TrackSet {
            tracks,
            pending: vec![Vec::new(); n],
            chrom: Arc::from(""),
            any: false,
            scale: None,
        })
    }

    /// Lets [`TrackSet::finish`] write tracks without a value (a job whose contigs have
    /// nothing to score: its tracks list the contigs and hold no data).
    pub fn allow_empty(&mut self) {
        self.any = true;
    }

    /// Rounds every value pushed from now on to `decimals` decimals (at most
    /// [`MAX_DECIMALS`]), so that equal neighbours merge into runs and the files compress;
    /// `None` keeps full f32 values.
    pub fn round_to_decimals(&mut self, decimals: Option<u32>) -> Result<()> {
        if let Some(d) = decimals
            && d > MAX_DECIMALS
        {
            return Err(Error::config(
                "--precision",
                format!("{d} decimals: tracks keep at most {MAX_DECIMALS} (f32 values)"),
            ));
        }
        self.scale = decimals.map(|d| 10f64.powi(d as i32));
        Ok(())
    }

    /// Starts values for a new chromosome (call in the order values will come).
    pub fn start_chrom(&mut self, chrom: &str) -> Result<()> {
        self.flush()?;
        self.chrom = Arc::from(chrom);
        Ok(())
    }

    /// Adds per-base values from position `start` on for every track; `values[t][i]` is
    /// track t at `start + i`. NaN means "no value". Equal neighbours are merged.
    pub fn push(&mut self, start: u64, values: &[&[f32]]) -> Result<()> {
        for (t, vals) in values.iter().enumerate() {
            let out = &mut self.pending[t];
            for (i, &v) in vals.iter().enumerate() {
                if v.is_nan() {
                    continue;
                }
                let v = match self.scale {
                    Some(scale) => round_to(v, scale),
                    None => v,
                };
                let pos = (start + i as u64) as u32;
                append(
                    out,
                    Value {
                        start: pos,
                        end: pos + 1,
                        value: v,
                    },
                );
            }
        }
        self.flush_full()
    }

    /// Adds one run of equal values (sorted after the previous ones) to track `t`, rounded
    /// like [`TrackSet::push`]'s and merged with the previous run where they touch and are
    /// equal.
    pub fn push_run(&mut self, t: usize, value: Value) -> Result<()> {
        let mut sink = RunSink {
            track: &mut self.tracks[t],
            pending: &mut self.pending[t],
            chrom: &self.chrom,
            scale: self.scale,
        };
        sink.push(value)
    }

    /// Fills every track of the current chromosome side by side, on rayon's pool (`-t`):
    /// `fill(source, sink)` runs once per track with that track's entry of `sources` and
    /// pushes its runs, in order, into the sink. The writers run a thread each, so a track
    /// is read, rounded and written while the others are.
    pub fn fill_tracks<S: Send, E: From<Error> + Send>(
        &mut self,
        sources: &mut [S],
        fill: impl Fn(&mut S, &mut RunSink) -> std::result::Result<(), E> + Sync,
    ) -> std::result::Result<(), E> {
        let (chrom, scale) = (&self.chrom, self.scale);
        self.tracks
            .par_iter_mut()
            .zip(self.pending.par_iter_mut())
            .zip(sources.par_iter_mut())
            .try_for_each(|((track, pending), source)| {
                let mut sink = RunSink {
                    track,
                    pending,
                    chrom,
                    scale,
                };
                fill(source, &mut sink)
            })
    }

    /// Sends every pending run (at a chromosome's end, or the file's).
    fn flush(&mut self) -> Result<()> {
        for (track, pending) in self.tracks.iter_mut().zip(&mut self.pending) {
            self.any |= !pending.is_empty();
            send(track, &self.chrom, std::mem::take(pending))?;
        }
        Ok(())
    }

    /// Sends full batches of pending runs, each track's last run kept back so that the next
    /// one can still join it (runs are the same however the values were batched).
    fn flush_full(&mut self) -> Result<()> {
        for (track, pending) in self.tracks.iter_mut().zip(&mut self.pending) {
            if pending.len() >= BATCH {
                self.any = true;
                send_all_but_last(track, &self.chrom, pending)?;
            }
        }
        Ok(())
    }

    /// Finishes every file; the caller commits the returned outputs once everything else
    /// it writes has succeeded. Fails when no value was written.
    #[must_use = "the tracks are only moved into place by committing the returned outputs"]
    pub fn finish(mut self) -> Result<Vec<TempOutput>> {
        self.flush()?;
        if !self.any {
            let path = self
                .tracks
                .first()
                .map(|t| t.temp.dest().to_path_buf())
                .unwrap_or_default();
            return Err(Error::BigWig {
                path,
                msg: "no position could be scored, so the track would be empty".into(),
            });
        }
        for track in &mut self.tracks {
            track.sender = None;
        }
        for track in &mut self.tracks {
            join(track)?;
        }
        Ok(std::mem::take(&mut self.tracks)
            .into_iter()
            .map(|t| t.temp)
            .collect())
    }
}

/// One track's end of a [`TrackSet`] for the current chromosome: runs pushed in order.
pub struct RunSink<'a> {
    track: &'a mut Track,
    pending: &'a mut Vec<Value>,
    chrom: &'a Arc<str>,
    scale: Option<f64>,
}

impl RunSink<'_> {
    /// Adds one run of equal values (sorted after the previous ones), rounded like
    /// [`TrackSet::push`]'s and merged with the previous run where they touch and are equal.
    pub fn push(&mut self, mut value: Value) -> Result<()> {
        if let Some(scale) = self.scale {
            value.value = round_to(value.value, scale);
        }
        append(self.pending, value);
        if self.pending.len() >= BATCH {
            send_all_but_last(self.track, self.chrom, self.pending)?;
        }
        Ok(())
    }
}

/// Sends `pending` but its last run, which stays to be joined by the next.
fn send_all_but_last(track: &mut Track, chrom: &Arc<str>, pending: &mut Vec<Value>) -> Result<()> {
    let last = pending.pop();
    send(track, chrom, std::mem::take(pending))?;
    pending.extend(last);
    Ok(())
}

/// Sends runs of `chrom` to the track's writer.
fn send(track: &mut Track, chrom: &Arc<str>, vals: Vec<Value>) -> Result<()> {
    if vals.is_empty() {
        return Ok(());
    }
    let sent = track.sender.as_ref().map(|s| s.send((chrom.clone(), vals)));
    if !matches!(sent, Some(Ok(()))) {
        // The writer stopped early: its error comes out of `join`.
        track.sender = None;
        return join(track).and(Err(Error::BigWig {
            path: track.temp.dest().to_path_buf(),
            msg: "the writer stopped early".into(),
        }));
    }
    Ok(())
}

/// Appends a run to `out`, merged into the last one where they touch and hold the same value.
fn append(out: &mut Vec<Value>, v: Value) {
    match out.last_mut() {
        Some(last) if last.end == v.start && last.value == v.value => last.end = v.end,
        _ => out.push(v),
    }
}

fn join(track: &mut Track) -> Result<()> {
    track.sender = None;
    match track.handle.take().map(JoinHandle::join) {
        Some(Ok(res)) => res,
        Some(Err(_)) => Err(Error::BigWig {
            path: track.temp.dest().to_path_buf(),
            msg: "the writer thread panicked".into(),
        }),
        None => Ok(()),
    }
}

fn write_track(
    writer: BigWigWrite<std::fs::File>,
    rx: std::sync::mpsc::Receiver<Batch>,
    path: &Path,
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .map_err(|e| Error::io(path, e))?;
    let values = rx
        .into_iter()
        .flat_map(|(chrom, vals)| vals.into_iter().map(move |v| (Chrom(chrom.clone()), v)));
    let source = BedParserStreamingIterator::wrap_infallible_iter(values, true);
    writer.write(source, runtime).map_err(|e| Error::BigWig {
        path: path.to_path_buf(),
        msg: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bigtools::BigWigRead;

    /// Every zoom level sums exactly the bases that have values, and their values, however
    /// long the gaps between them (bigtools 0.5.8 counted gap bases; vendor/bigtools/PATCH.md).
    #[test]
    fn zoom_summaries_skip_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("t.bw");
        let len = 400_000u64;
        let mut set = TrackSet::create(std::slice::from_ref(&dest), &[("c".into(), len)]).unwrap();
        set.start_chrom("c").unwrap();
        let (mut bases, mut sum) = (0u64, 0f64);
        // blocks of 1 to 700 bases with per-base values, gaps of 1 to 5,000 bases
        let mut pos = 17u64;
        let mut i = 0u64;
        while pos < len - 1000 {
            let block = 1 + (i * 7919) % 700;
            let vals: Vec<f32> = (0..block).map(|j| ((j + i) % 13) as f32 / 16.0).collect();
            bases += block;
            sum += vals.iter().map(|&v| v as f64).sum::<f64>();
            set.push(pos, &[&vals]).unwrap();
            pos += block + 1 + (i * 104_729) % 5000;
            i += 1;
        }
        for out in set.finish().unwrap() {
            out.commit().unwrap();
        }
        let mut reader = BigWigRead::open_file(&dest).unwrap();
        let levels: Vec<u32> = reader
            .info()
            .zoom_headers
            .iter()
            .map(|z| z.reduction_level)
            .collect();
        assert!(!levels.is_empty());
        for level in levels {
            let records: Vec<_> = reader
                .get_zoom_interval("c", 0, len as u32, level)
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            let covered: u64 = records.iter().map(|r| r.summary.bases_covered).sum();
            let total: f64 = records.iter().map(|r| r.summary.sum).sum();
            assert_eq!(covered, bases, "zoom level {level}");
            assert!(
                (total - sum).abs() < 1e-6 * sum,
                "zoom level {level}: {total} against {sum}"
            );
        }
    }

    /// Runs are the same however they were batched: a run that continues the last one of a
    /// full batch joins it, from one thread (push_run) or side by side (fill_tracks).
    #[test]
    fn runs_join_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        let dests: Vec<PathBuf> = ["a.bw", "b.bw"]
            .iter()
            .map(|n| dir.path().join(n))
            .collect();
        let len = 3 * BATCH as u64;
        let run = |i: u32| Value {
            start: i,
            end: i + 1,
            value: if (i as usize) < BATCH {
                (i % 2) as f32
            } else {
                1.0
            },
        };
        // BATCH runs of alternating values, the last one 1.0, then 1.0 to the end: BATCH runs
        let sizes = [("c".to_string(), len)];
        let mut one = TrackSet::create(&dests[..1], &sizes).unwrap();
        one.start_chrom("c").unwrap();
        for i in 0..len as u32 {
            one.push_run(0, run(i)).unwrap();
        }
        let mut side = TrackSet::create(&dests[1..], &sizes).unwrap();
        side.start_chrom("c").unwrap();
        side.fill_tracks(&mut [()], |_, sink| {
            (0..len as u32).try_for_each(|i| sink.push(run(i)))
        })
        .unwrap();
        for out in one
            .finish()
            .unwrap()
            .into_iter()
            .chain(side.finish().unwrap())
        {
            out.commit().unwrap();
        }
        for dest in &dests {
            let mut reader = BigWigRead::open_file(dest).unwrap();
            let runs: Vec<_> = reader
                .get_interval("c", 0, len as u32)
                .unwrap()
                .map(|v| v.unwrap())
                .collect();
            assert_eq!(runs.len(), BATCH, "{}", dest.display());
            let last = runs.last().unwrap();
            assert_eq!(
                (last.start, last.end, last.value),
                (BATCH as u32 - 1, len as u32, 1.0)
            );
        }
    }
}
