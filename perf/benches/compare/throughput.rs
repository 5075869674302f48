//! The throughput mode: every queue workload, the contended mutex and the read-mostly
//! reader-writer lock, contenders interleaved.

use std::cell::Cell;
use std::fmt::Write as _;
use std::time::Duration;

use baresync::generic;
use baresync::wait::{DefaultWait, Spin};
use serde_json::{Value, json};

use crate::common::locks::{READS_PER_WRITE, contended, read_mostly, reentrant_uncontended};
use crate::common::queue::{
    ParkingLotHeap, ParkingLotStableHeap, Pause, Shape, Snooze, SpinHint, array_queue_try,
    baresync_mpmc_blocking, baresync_mpmc_try, baresync_priority, baresync_spsc_blocking,
    baresync_spsc_echo, baresync_spsc_try, crossbeam_channel_blocking, crossbeam_channel_echo,
    heap_anchor, heapless_try, rtrb_try, std_sync_channel_blocking, std_sync_channel_echo,
};
use crate::{Options, Progress, Summary, probe, rate_table};

/// How a contender waits for room or for an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// `try_` verbs, `SpinHint` after each failed attempt: a `spin_loop` hint, and a
    /// `yield_now` in place of every 64th one (the loop this repository's suite used first).
    Spin,
    /// `try_` verbs, `crossbeam_utils::Backoff`: one `snooze()` after each failed attempt,
    /// `reset()` after each success (the same as a new `Backoff` per item), as users of `rtrb`
    /// and `ArrayQueue` write it.
    Backoff,
    /// The blocking verbs (`push`/`pop`, `send`/`recv`, `lock`).
    Blocking,
}

impl Style {
    fn id(self) -> &'static str {
        match self {
            Style::Spin => "spin",
            Style::Backoff => "backoff",
            Style::Blocking => "blocking",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Style::Spin => {
                "`try_` loop, spin-hint pause (`spin_loop` hint, `yield_now` every 64th failure)"
            }
            Style::Backoff => {
                "`try_` loop, `crossbeam_utils::Backoff` (`snooze()` after each failure, `reset()` after each success)"
            }
            Style::Blocking => "Blocking verbs against blocking verbs",
        }
    }
}

/// A `try_` loop style, as a type for the subjects in `common::queue`.
trait TryStyle: Pause + 'static {
    const STYLE: Style;
}

impl TryStyle for SpinHint {
    const STYLE: Style = Style::Spin;
}

impl TryStyle for Snooze {
    const STYLE: Style = Style::Backoff;
}

/// One contender of a workload: a subject, in one style, and its samples (items per second).
struct Contender {
    name: &'static str,
    style: Style,
    /// Moves the given number of items; returns the time it took.
    run: Box<dyn Fn(u64) -> Duration>,
    rates: Vec<f64>,
}

impl Contender {
    fn new(name: &'static str, style: Style, run: impl Fn(u64) -> Duration + 'static) -> Self {
        Contender {
            name,
            style,
            run: Box::new(run),
            rates: Vec::new(),
        }
    }
}

struct Workload {
    id: String,
    title: String,
    /// Threads and placement, for the table's caption.
    setup: String,
    /// Items per sample, a multiple of every thread count.
    items: u64,
    contenders: Vec<Contender>,
    /// The cache-line round trip between the cores just before and just after the samples
    /// (`probe.rs`): the machine's state while this workload ran.
    round_trip_ns: [Option<f64>; 2],
}

pub fn run(options: &Options) -> (String, Value) {
    let mut workloads = workloads(options.items);
    if let Some(filter) = &options.filter {
        workloads.retain(|w| w.id.contains(filter.as_str()));
    }
    let mut markdown = String::from(
        "Queues: threads pinned one per core (thread `k` on core `k mod min(threads, cores)`; \
         producers first, so one producer and one consumer per core on two cores). \
         Contenders interleaved round-robin, sample by sample; loop styles interleaved too. \
         `baresync` is the crate-root type (the `Futex` backend on hosts), `baresync_spin` the \
         `baresync::spin` one. Every queue holds the same number of items (`heapless` is declared \
         one larger). Ratio: baresync's median over the best anchor's median in the same table; \
         the range pairs baresync's slowest sample with the anchor's fastest, and the other way \
         round.\n\n",
    );
    let mut results = Vec::new();
    for workload in &mut workloads {
        measure(workload, options.samples);
        markdown.push_str(&tables(workload));
        results.push(workload_json(workload));
    }
    (markdown, Value::Array(results))
}

/// One warm-up run per contender (a tenth of the items, not recorded), then `samples` rounds,
/// each running every contender once, in the same order.
fn measure(workload: &mut Workload, samples: usize) {
    let progress = Progress::new(&workload.id);
    let warm_up = (workload.items / 10).max(1);
    workload.round_trip_ns[0] = probe::line_round_trip_ns();
    for contender in &workload.contenders {
        (contender.run)(warm_up);
    }
    for sample in 1..=samples {
        progress.sample(sample, samples);
        for contender in &mut workload.contenders {
            let elapsed = (contender.run)(workload.items);
            contender
                .rates
                .push(workload.items as f64 / elapsed.as_secs_f64());
        }
    }
    workload.round_trip_ns[1] = probe::line_round_trip_ns();
    progress.done();
}

/// One Markdown table per loop style, in the order the styles first appear.
fn tables(workload: &Workload) -> String {
    let mut styles: Vec<Style> = Vec::new();
    for contender in &workload.contenders {
        if !styles.contains(&contender.style) {
            styles.push(contender.style);
        }
    }
    let mut out = String::new();
    for style in styles {
        let rows: Vec<_> = workload
            .contenders
            .iter()
            .filter(|c| c.style == style)
            .map(|c| (c.name, Summary::of(&c.rates)))
            .collect();
        let _ = write!(
            out,
            "### {} ({}): {}\n\n{}; {} items per sample. {}. Cache-line round trip between \
             the cores: {} before this workload, {} after.\n\n",
            workload.title,
            workload.id,
            style.id(),
            workload.setup,
            workload.items,
            style.describe(),
            probe::describe(workload.round_trip_ns[0]),
            probe::describe(workload.round_trip_ns[1]),
        );
        out.push_str(&rate_table(&rows));
        out.push('\n');
    }
    out
}

fn workload_json(workload: &Workload) -> Value {
    let contenders: Vec<Value> = workload
        .contenders
        .iter()
        .map(|c| {
            json!({
                "contender": c.name,
                "ours": crate::ours(c.name),
                "style": c.style.id(),
                "rates": c.rates,
                "summary": Summary::of(&c.rates).json(),
            })
        })
        .collect();
    json!({
        "id": workload.id,
        "title": workload.title,
        "setup": workload.setup,
        "items": workload.items,
        "contenders": contenders,
        "line_round_trip_ns": workload.round_trip_ns,
    })
}

// ---------------------------------------------------------------------------------------------
// The workloads

fn workloads(items: u64) -> Vec<Workload> {
    vec![
        spsc_try::<1024, 1025>(items),
        spsc_try::<16, 17>(items),
        spsc_blocking::<1024>(items),
        spsc_blocking::<16>(items),
        spsc_echo(1, items),
        spsc_echo(16, items),
        mpmc_try(2, items),
        mpmc_try(4, items),
        mpmc_blocking(2, items),
        mpmc_blocking(4, items),
        priority(1, items),
        priority(2, items),
        mutex(items),
        reentrant(items),
        rwlock_read_mostly(items),
    ]
}

const ONE_TO_ONE: Shape = Shape::new(1, 1);

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn queue_workload(
    id: String,
    title: String,
    shape: Shape,
    items: u64,
    contenders: Vec<Contender>,
) -> Workload {
    let Shape {
        producers,
        consumers,
    } = shape;
    Workload {
        id,
        title,
        setup: format!(
            "{producers} producer{}, {consumers} consumer{}",
            plural(producers),
            plural(consumers)
        ),
        items: shape.round(items),
        contenders,
        round_trip_ns: [None; 2],
    }
}

/// SPSC, `try_` verbs, capacity `N` (`STORAGE` = `N + 1` for heapless), in both loop styles.
fn spsc_try<const N: usize, const STORAGE: usize>(items: u64) -> Workload {
    fn style<P: TryStyle, const N: usize, const STORAGE: usize>(list: &mut Vec<Contender>) {
        let s = P::STYLE;
        list.push(Contender::new(
            "baresync",
            s,
            baresync_spsc_try::<P, DefaultWait, N>,
        ));
        list.push(Contender::new(
            "baresync_spin",
            s,
            baresync_spsc_try::<P, Spin, N>,
        ));
        list.push(Contender::new("rtrb", s, |n| rtrb_try::<P>(N, n)));
        list.push(Contender::new("heapless", s, heapless_try::<P, STORAGE>));
        list.push(Contender::new("crossbeam_arrayqueue", s, |n| {
            array_queue_try::<P>(N, ONE_TO_ONE, n)
        }));
    }
    let mut list = Vec::new();
    style::<SpinHint, N, STORAGE>(&mut list);
    style::<Snooze, N, STORAGE>(&mut list);
    queue_workload(
        format!("spsc_try_cap{N}"),
        format!("SPSC, `try_` verbs, capacity {N}"),
        ONE_TO_ONE,
        items,
        list,
    )
}

fn spsc_blocking<const N: usize>(items: u64) -> Workload {
    let b = Style::Blocking;
    let list = vec![
        Contender::new("baresync", b, baresync_spsc_blocking::<DefaultWait, N>),
        Contender::new("baresync_spin", b, baresync_spsc_blocking::<Spin, N>),
        Contender::new("baresync_mpmc", b, |n| {
            baresync_mpmc_blocking::<DefaultWait, N>(ONE_TO_ONE, n)
        }),
        Contender::new("crossbeam_channel", b, |n| {
            crossbeam_channel_blocking(N, ONE_TO_ONE, n)
        }),
        Contender::new("std_sync_channel", b, |n| std_sync_channel_blocking(N, n)),
    ];
    queue_workload(
        format!("spsc_blocking_cap{N}"),
        format!("SPSC, blocking verbs, capacity {N}"),
        ONE_TO_ONE,
        items,
        list,
    )
}

/// Latency, not a goal: bursts of `burst` items sent through one SPSC queue (capacity 1024) and
/// echoed back through another, blocking verbs. A two-hundredth of the items of the other
/// workloads: each burst is a round trip between the cores, and the channels sleep in each one
/// (`std`'s channel echoed 14-16 k items/s in bursts of 1 on a 2-vCPU VM).
fn spsc_echo(burst: u64, items: u64) -> Workload {
    const CAPACITY: usize = 1024;
    let b = Style::Blocking;
    let list = vec![
        Contender::new("baresync", b, move |n| {
            baresync_spsc_echo::<DefaultWait, CAPACITY>(burst, n)
        }),
        Contender::new("baresync_spin", b, move |n| {
            baresync_spsc_echo::<Spin, CAPACITY>(burst, n)
        }),
        Contender::new("crossbeam_channel", b, move |n| {
            crossbeam_channel_echo(CAPACITY, burst, n)
        }),
        Contender::new("std_sync_channel", b, move |n| {
            std_sync_channel_echo(CAPACITY, burst, n)
        }),
    ];
    let items = (items / 200 / burst).max(1) * burst;
    Workload {
        id: format!("spsc_echo_burst{burst}"),
        title: format!(
            "SPSC, blocking verbs, bursts of {burst} echoed back through a second queue, capacity \
             {CAPACITY}"
        ),
        setup: format!(
            "2 threads, one per core: one sends a burst of {burst} and waits for it to come back, \
             the other echoes each item; items are echoed items (a latency check, not a goal)"
        ),
        items,
        contenders: list,
        round_trip_ns: [None; 2],
    }
}

fn mpmc_try(threads: u64, items: u64) -> Workload {
    fn style<P: TryStyle>(shape: Shape, list: &mut Vec<Contender>) {
        let s = P::STYLE;
        list.push(Contender::new("baresync", s, move |n| {
            baresync_mpmc_try::<P, DefaultWait, 1024>(shape, n)
        }));
        list.push(Contender::new("baresync_spin", s, move |n| {
            baresync_mpmc_try::<P, Spin, 1024>(shape, n)
        }));
        list.push(Contender::new("crossbeam_arrayqueue", s, move |n| {
            array_queue_try::<P>(1024, shape, n)
        }));
    }
    let shape = Shape::new(threads, threads);
    let mut list = Vec::new();
    style::<SpinHint>(shape, &mut list);
    style::<Snooze>(shape, &mut list);
    queue_workload(
        format!("mpmc_try_{threads}p{threads}c"),
        format!("MPMC, `try_` verbs, {threads}p{threads}c, capacity 1024"),
        shape,
        items,
        list,
    )
}

fn mpmc_blocking(threads: u64, items: u64) -> Workload {
    let shape = Shape::new(threads, threads);
    let b = Style::Blocking;
    let list = vec![
        Contender::new("baresync", b, move |n| {
            baresync_mpmc_blocking::<DefaultWait, 1024>(shape, n)
        }),
        Contender::new("baresync_spin", b, move |n| {
            baresync_mpmc_blocking::<Spin, 1024>(shape, n)
        }),
        Contender::new("crossbeam_channel", b, move |n| {
            crossbeam_channel_blocking(1024, shape, n)
        }),
    ];
    queue_workload(
        format!("mpmc_blocking_{threads}p{threads}c"),
        format!("MPMC, blocking verbs, {threads}p{threads}c, capacity 1024"),
        shape,
        items,
        list,
    )
}

fn priority(threads: u64, items: u64) -> Workload {
    let shape = Shape::new(threads, threads);
    let b = Style::Blocking;
    let list = vec![
        Contender::new("baresync", b, move |n| {
            baresync_priority::<DefaultWait, 1024>(shape, n)
        }),
        Contender::new("baresync_spin", b, move |n| {
            baresync_priority::<Spin, 1024>(shape, n)
        }),
        Contender::new("parking_lot_heap", b, move |n| {
            heap_anchor::<ParkingLotHeap>(1024, shape, n)
        }),
        Contender::new("parking_lot_heap_stable", b, move |n| {
            heap_anchor::<ParkingLotStableHeap>(1024, shape, n)
        }),
    ];
    let mut workload = queue_workload(
        format!("priority_{threads}p{threads}c"),
        format!("PriorityQueue, blocking verbs, {threads}p{threads}c, capacity 1024"),
        shape,
        items,
        list,
    );
    workload.setup += "; anchor: `parking_lot::Mutex<BinaryHeap<u64>>` and two `Condvar`s \
        (`_stable`: entries `(u64, Reverse(sequence number))`, equal items in push order as \
        `PriorityQueue` keeps them; shown, not a goal's anchor)";
    workload
}

/// Two threads on two cores increment one counter under the mutex.
fn mutex(items: u64) -> Workload {
    const THREADS: u64 = 2;
    let b = Style::Blocking;
    let list = vec![
        Contender::new("baresync", b, |n| {
            contended::<generic::Mutex<u64, DefaultWait>>(THREADS, n)
        }),
        Contender::new("baresync_spin", b, |n| {
            contended::<generic::Mutex<u64, Spin>>(THREADS, n)
        }),
        Contender::new("parking_lot", b, |n| {
            contended::<parking_lot::Mutex<u64>>(THREADS, n)
        }),
        Contender::new("std", b, |n| contended::<std::sync::Mutex<u64>>(THREADS, n)),
        Contender::new("spin", b, |n| contended::<spin::Mutex<u64>>(THREADS, n)),
    ];
    Workload {
        id: "mutex_2t".to_owned(),
        title: "Mutex, contended, `*lock() += 1`".to_owned(),
        setup: "2 threads, one per core; items are lock/unlock pairs, shared between the threads"
            .to_owned(),
        items: (items / THREADS).max(1) * THREADS,
        contenders: list,
        round_trip_ns: [None; 2],
    }
}

/// One thread, uncontended: lock, lock again (nested), increment, unlock twice.
fn reentrant(items: u64) -> Workload {
    let b = Style::Blocking;
    let list = vec![
        Contender::new("baresync", b, |n| {
            reentrant_uncontended::<generic::ReentrantMutex<Cell<u64>, DefaultWait>>(n)
        }),
        Contender::new("parking_lot", b, |n| {
            reentrant_uncontended::<parking_lot::ReentrantMutex<Cell<u64>>>(n)
        }),
    ];
    Workload {
        id: "reentrant_1t".to_owned(),
        title: "ReentrantMutex, uncontended, nested `lock(); lock(); += 1`".to_owned(),
        setup: "1 thread; items are outer-and-nested lock pairs".to_owned(),
        items,
        contenders: list,
        round_trip_ns: [None; 2],
    }
}

/// Eight threads on two cores share one reader-writer lock: one write in `READS_PER_WRITE`
/// operations, the rest reads.
fn rwlock_read_mostly(items: u64) -> Workload {
    const THREADS: u64 = 8;
    let b = Style::Blocking;
    let list = vec![
        Contender::new("baresync", b, |n| {
            read_mostly::<generic::RwLock<u64, DefaultWait>>(THREADS, n)
        }),
        Contender::new("baresync_spin", b, |n| {
            read_mostly::<generic::RwLock<u64, Spin>>(THREADS, n)
        }),
        Contender::new("parking_lot", b, |n| {
            read_mostly::<parking_lot::RwLock<u64>>(THREADS, n)
        }),
        Contender::new("std", b, |n| {
            read_mostly::<std::sync::RwLock<u64>>(THREADS, n)
        }),
        Contender::new("spin", b, |n| read_mostly::<spin::RwLock<u64>>(THREADS, n)),
    ];
    let per_thread = (items / THREADS / READS_PER_WRITE).max(1) * READS_PER_WRITE;
    Workload {
        id: "rwlock_read_mostly_8t".to_owned(),
        title: format!("RwLock, read-mostly: `*read()`, one `*write() += 1` in {READS_PER_WRITE}"),
        setup: "8 threads, four per core on two cores; items are lock/unlock pairs, shared \
                between the threads"
            .to_owned(),
        items: per_thread * THREADS,
        contenders: list,
        round_trip_ns: [None; 2],
    }
}
