//! A configuration parsed once, on first use, by a `LazyLock`, and read by many threads.
//!
//! The pattern Python code writes with a module-level cache (or `functools.cache` on a loader):
//!
//! ```text
//! _config = None
//! _lock = threading.Lock()
//! def config():
//!     global _config
//!     with _lock:
//!         if _config is None:
//!             _config = parse(CONFIG_TEXT)
//!     return _config
//! ```
//!
//! Here the `static` says it in one line, and after the first use a read is one load, with no
//! lock. Eight threads start together and all read the configuration; the parser runs exactly
//! once, the threads that raced with it waited for it, and everyone sees the same values. The
//! example checks both and exits non-zero otherwise.
#![cfg_attr(target_os = "none", no_std, no_main)]

use core::sync::atomic::Ordering;

// portable-atomic's (a `fetch_add` on thumbv6m too, through critical-section).
use baresync::wait::AtomicU32;

use baresync::LazyLock;

const CONFIG_TEXT: &str = "
    name = sensor-hub
    sample_rate_hz = 200
    channels = 6
    retries = 3
";

/// The parsed configuration.
#[derive(Debug, PartialEq, Eq)]
struct Config {
    name: &'static str,
    sample_rate_hz: u32,
    channels: u32,
    retries: u32,
}

/// How often the parser ran.
static PARSES: AtomicU32 = AtomicU32::new(0);

static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    PARSES.fetch_add(1, Ordering::Relaxed);
    parse(CONFIG_TEXT)
});

/// `key = value` lines; unknown keys are ignored, missing ones keep their defaults.
fn parse(text: &'static str) -> Config {
    let mut config = Config {
        name: "unnamed",
        sample_rate_hz: 100,
        channels: 1,
        retries: 0,
    };
    for (key, value) in text.lines().filter_map(|line| line.split_once('=')) {
        let (key, value) = (key.trim(), value.trim());
        let number = value.parse().unwrap_or(0);
        match key {
            "name" => config.name = value,
            "sample_rate_hz" => config.sample_rate_hz = number,
            "channels" => config.channels = number,
            "retries" => config.retries = number,
            _ => {}
        }
    }
    config
}

/// What every reader checks.
fn check(config: &Config) -> Result<(), &'static str> {
    let expected = Config {
        name: "sensor-hub",
        sample_rate_hz: 200,
        channels: 6,
        retries: 3,
    };
    if *config == expected {
        Ok(())
    } else {
        Err("a reader saw a different configuration")
    }
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::sync::Barrier;
    use std::thread;

    const READERS: usize = 8;
    let start = Barrier::new(READERS);
    let samples_per_second: u32 = thread::scope(|s| {
        let readers: Vec<_> = (0..READERS)
            .map(|_| {
                s.spawn(|| {
                    start.wait(); // all at once: they race for the first use
                    check(&CONFIG).unwrap_or_else(|why| panic!("{why}"));
                    CONFIG.sample_rate_hz * CONFIG.channels
                })
            })
            .collect();
        readers.into_iter().map(|r| r.join().unwrap()).sum()
    });
    let parses = PARSES.load(Ordering::Relaxed);
    println!("{READERS} readers, {parses} parse: {:?}", *CONFIG);
    assert_eq!(parses, 1, "the configuration was parsed more than once");
    assert_eq!(samples_per_second, 8 * 200 * 6);
    println!("ok: parsed once, read by {READERS} threads");
}

// On a board: one context reads it twice; the parser still runs once.
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board_main);

#[cfg(target_os = "none")]
fn board_main() -> Result<(), &'static str> {
    check(&CONFIG)?;
    check(LazyLock::force(&CONFIG))?;
    if PARSES.load(Ordering::Relaxed) != 1 {
        return Err("the configuration was parsed more than once");
    }
    board::println!("{:?}, parsed once", *CONFIG);
    Ok(())
}
