//! The fair comparison: baresync against its anchors, measured the way a sceptical user would.
//!
//! Two modes, each a section of the report:
//!
//! - `throughput` (`throughput.rs`): every queue workload and the contended mutex. Within a
//!   workload every contender runs **interleaved**, round-robin (sample 1 of A, B, C, then
//!   sample 2 of A, B, C, ...), so that a change of the machine's state (another tenant, clock
//!   frequency, where the vCPUs land) hits all contenders alike instead of one contender's whole
//!   run. Every sample moves the same fixed number of items (10 M by default), threads are
//!   pinned one per core (thread `k` on core `k mod min(threads, cores)`), and each contender
//!   reports the median and the min-max of its samples (7 by default). Every `try_` workload
//!   runs in two loop styles (see `Style`), interleaved with each other too; each blocking
//!   workload is blocking verbs against blocking verbs. Before its first sample, each
//!   contender runs once with a tenth of the items, not recorded (first-touch costs).
//!   Each workload's tables quote the cache-line round trip between the cores measured just
//!   before and just after it (`probe.rs`): the machine's state while it ran.
//! - `load` (`load.rs`): capacity-1 hand-offs with 0, 4 and 8 busy threads, 1 ms timed waits
//!   under 4 busy threads, and the cost of a zero timeout on a held lock. Every sample there is
//!   capped in time, so the section takes one to two minutes however slow a contender is.
//!
//! Results are printed as Markdown and written, with a JSON file each, to the output directory:
//! `throughput.md`, `throughput.json`, `load.md`, `load.json`. `perf/bench_report.py` builds
//! BENCHMARKS.md from them (and from the criterion suites). Nothing here is asserted except
//! correctness: every item sent is received exactly once (and in order where the queue is FIFO).
//!
//! ```text
//! cargo bench --bench compare -- [throughput | load | all] [options]     (in perf/; default all)
//!   --samples N       samples per contender            COMPARE_SAMPLES     default 7
//!   --items N         items per throughput sample      COMPARE_ITEMS       default 10000000
//!   --load-items N    at most N operations per load sample  COMPARE_LOAD_ITEMS  default 1000000
//!   --sample-ms MS    time cap of one load sample      COMPARE_SAMPLE_MS   default 250
//!   --filter TEXT     only the throughput workloads whose id contains TEXT
//!   --out DIR         output directory                 COMPARE_OUT  default <target>/compare
//! ```
//!
//! A run with fewer items or samples than the defaults is marked as a smoke run in its output,
//! and the report says so.

#[path = "../common/mod.rs"]
mod common;
mod load;
mod probe;
mod throughput;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

const DEFAULT_SAMPLES: usize = 7;
const DEFAULT_ITEMS: u64 = 10_000_000;
const DEFAULT_LOAD_ITEMS: u64 = 1_000_000;
const DEFAULT_SAMPLE_MS: u64 = 250;

/// What to run and how much of it.
#[derive(Debug)]
pub struct Options {
    throughput: bool,
    load: bool,
    samples: usize,
    items: u64,
    load_items: u64,
    sample_cap: Duration,
    filter: Option<String>,
    out: PathBuf,
}

impl Options {
    /// From the environment, then the command line (which wins).
    fn parse() -> Options {
        let env_or = |name: &str, default: u64| {
            std::env::var(name).map_or(default, |text| number(name, &text))
        };
        let mut samples = env_or("COMPARE_SAMPLES", DEFAULT_SAMPLES as u64);
        let mut items = env_or("COMPARE_ITEMS", DEFAULT_ITEMS);
        let mut load_items = env_or("COMPARE_LOAD_ITEMS", DEFAULT_LOAD_ITEMS);
        let mut sample_ms = env_or("COMPARE_SAMPLE_MS", DEFAULT_SAMPLE_MS);
        let mut out = std::env::var_os("COMPARE_OUT").map(PathBuf::from);
        let mut filter = None;
        let (mut throughput, mut load) = (true, true);

        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next()
                    .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
            };
            match arg.as_str() {
                "--bench" => {} // passed by `cargo bench`
                "throughput" => (throughput, load) = (true, false),
                "load" => (throughput, load) = (false, true),
                "all" => (throughput, load) = (true, true),
                "--samples" => samples = number(&arg, &value()),
                "--items" => items = number(&arg, &value()),
                "--load-items" => load_items = number(&arg, &value()),
                "--sample-ms" => sample_ms = number(&arg, &value()),
                "--filter" => filter = Some(value()),
                "--out" => out = Some(PathBuf::from(value())),
                "-h" | "--help" => usage(""),
                _ => usage(&format!("unknown argument {arg}")),
            }
        }
        if samples == 0 || items == 0 || load_items == 0 || sample_ms == 0 {
            usage("--samples, --items, --load-items and --sample-ms must be positive");
        }
        let out = out.unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
                || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
                PathBuf::from,
            );
            target.join("compare")
        });
        Options {
            throughput,
            load,
            samples: samples as usize,
            items,
            load_items,
            sample_cap: Duration::from_millis(sample_ms),
            filter,
            out,
        }
    }

    /// Fewer items or samples than the defaults: not a measurement to quote.
    fn smoke(&self, items: u64, default_items: u64) -> bool {
        self.samples < DEFAULT_SAMPLES || items < default_items
    }
}

/// A count, `_` separators allowed (`10_000_000`).
fn number(name: &str, text: &str) -> u64 {
    text.replace('_', "")
        .parse()
        .unwrap_or_else(|_| usage(&format!("{name}: not a number: {text}")))
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("compare: {problem}");
    }
    eprintln!(
        "usage: cargo bench --bench compare -- [throughput | load | all] [--samples N] [--items N] \
         [--load-items N] [--sample-ms MS] [--filter TEXT] [--out DIR]"
    );
    std::process::exit(2);
}

fn main() {
    let options = Options::parse();
    std::fs::create_dir_all(&options.out).expect("create the output directory");
    if options.throughput {
        let smoke = options.smoke(options.items, DEFAULT_ITEMS);
        section("throughput", &options, smoke, throughput::run);
    }
    if options.load {
        let smoke = options.smoke(options.load_items, DEFAULT_LOAD_ITEMS);
        section("load", &options, smoke, load::run);
    }
}

/// Runs one mode, prints its Markdown and writes `<name>.md` and `<name>.json`.
fn section(name: &str, options: &Options, smoke: bool, run: fn(&Options) -> (String, Value)) {
    let load_before = load_average();
    let started = SystemTime::now();
    let clock = Instant::now();
    let (mut markdown, results) = run(options);
    let wall = clock.elapsed().as_secs();
    let meta = json!({
        "mode": name,
        "smoke": smoke,
        "unix_time": started.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        "wall_seconds": wall,
        "samples": options.samples,
        "items": options.items,
        "load_items": options.load_items,
        "sample_cap_ms": options.sample_cap.as_millis() as u64,
        "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "pinnable_cores": common::cores().len(),
        "cpu": cpu_model(),
        "kernel": read_trimmed("/proc/sys/kernel/osrelease"),
        "load_before": load_before,
        "load_after": load_average(),
    });
    let mut header = format!("<!-- compare {name}: generated by perf/benches/compare -->\n\n");
    if smoke {
        header.push_str(
            "**Smoke run**: fewer items or samples than the defaults; these figures prove the \
             harness runs, they measure nothing.\n\n",
        );
    }
    let _ = writeln!(
        header,
        "{} samples per contender; {wall} s; 1-minute load average {} before, {} after.\n",
        options.samples,
        meta["load_before"].as_str().unwrap_or("?"),
        meta["load_after"].as_str().unwrap_or("?"),
    );
    markdown.insert_str(0, &header);
    print!("{markdown}");
    let json = json!({ "meta": meta, "results": results });
    let dir = &options.out;
    std::fs::write(dir.join(format!("{name}.md")), &markdown).expect("write the Markdown");
    let text = serde_json::to_string_pretty(&json).expect("serialise");
    std::fs::write(dir.join(format!("{name}.json")), text + "\n").expect("write the JSON");
    eprintln!("compare: wrote {}/{name}.md and {name}.json", dir.display());
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

fn load_average() -> Option<String> {
    read_trimmed("/proc/loadavg").and_then(|s| s.split(' ').next().map(str::to_owned))
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("model name"))?;
    Some(line.split_once(':')?.1.trim().to_owned())
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting, shared by both modes

/// Progress on stderr: one line per part, rewritten at each sample, ending with the part's time.
pub struct Progress {
    what: String,
    start: Instant,
}

impl Progress {
    pub fn new(what: impl Into<String>) -> Self {
        Progress {
            what: what.into(),
            start: Instant::now(),
        }
    }

    pub fn sample(&self, sample: usize, samples: usize) {
        eprint!("\rcompare: {} sample {sample}/{samples} ", self.what);
    }

    pub fn done(self) {
        eprintln!("({:.1} s)", self.start.elapsed().as_secs_f64());
    }
}

/// The median and the range of a set of samples.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    pub fn of(values: &[f64]) -> Summary {
        let sorted = sorted(values);
        Summary {
            median: percentile(&sorted, 50.0),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        }
    }

    pub fn json(self) -> Value {
        json!({ "median": self.median, "min": self.min, "max": self.max })
    }
}

pub fn sorted(values: &[f64]) -> Vec<f64> {
    assert!(!values.is_empty(), "no samples");
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// The `p`-th percentile of sorted values, interpolated between the two nearest ranks (the
/// median of an even count is the mean of the middle two).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = p / 100.0 * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
}

/// Operations per second with a unit prefix and three significant digits: `12.3 M/s`.
pub fn rate(value: f64) -> String {
    let (scaled, unit) = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|&(scale, _)| value >= scale)
        .map_or((value, ""), |(scale, unit)| (value / scale, unit));
    format!("{} {unit}/s", significant(scaled))
}

/// Three significant digits (no exponent).
pub fn significant(value: f64) -> String {
    match value {
        v if v >= 100.0 => format!("{v:.0}"),
        v if v >= 10.0 => format!("{v:.1}"),
        v => format!("{v:.2}"),
    }
}

/// Is this contender baresync (as opposed to an anchor)?
pub fn ours(name: &str) -> bool {
    name.starts_with("baresync")
}

/// A Markdown table of contenders measured in operations per second: median, min-max, and for
/// each baresync contender its ratio to the best anchor (by median), with the range that pairs
/// its slowest sample with the anchor's fastest and the other way round.
pub fn rate_table(rows: &[(&str, Summary)]) -> String {
    let best = rows
        .iter()
        .filter(|(name, _)| !ours(name))
        .max_by(|a, b| a.1.median.total_cmp(&b.1.median));
    let mut out = String::from(
        "| contender | median | min-max | baresync / best anchor |\n| --- | ---: | ---: | ---: |\n",
    );
    for (name, s) in rows {
        let ratio = match best {
            Some((best_name, _)) if name == best_name => "best anchor".to_owned(),
            Some((_, b)) if ours(name) => format!(
                "**{:.2}** ({:.2}-{:.2})",
                s.median / b.median,
                s.min / b.max,
                s.max / b.min
            ),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| `{name}` | {} | {}-{} | {ratio} |",
            rate(s.median),
            rate(s.min),
            rate(s.max)
        );
    }
    out
}
