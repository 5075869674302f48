//! Real parallelism without an OS: two harts hammer a `Mutex` counter and an `MpmcQueue`, first
//! on the spinning backend, then on the sleeping one, and nothing may be lost; then one hart
//! hands items to the other, which sleeps between them, and the test counts its sleeps.
//!
//! `harness = false`, so it is a plain program that runs in three places:
//! - host (`cargo test`): two threads; the sleeping backend is `Futex`;
//! - `cargo test --target riscv32imac-unknown-none-elf --test smp_hammer`: QEMU `virt` with
//!   `-smp 2` (see `targets/riscv32imac-unknown-none-elf/`), where the two harts run on two host
//!   threads at once (multi-threaded TCG): real contention on the lock word and the queue's slots;
//!   the sleeping backend is `WfiIpi` (`WFI`, woken by the CLINT's software interrupt);
//! - on the Cortex-M boards (one core) the two-worker phases are skipped, and the hand-off runs on
//!   the `Wfe` backend with the SysTick handler as the producer. QEMU runs `WFE` as a no-op, so
//!   there it shows that the protocol works, not that the core sleeps.
//!
//! The phases, with both workers meeting at a barrier between them:
//! 1. **Hammer on `Spin`**, then 2. **hammer on the sleeping backend**. Each worker increments the
//!    shared counter under the mutex (a plain read-modify-write that only the lock makes correct),
//!    and pushes its own numbered items into the shared queue in bursts, popping as many as it
//!    pushed, whoever's they are. Checked: the counter is exact; the items popped are exactly the
//!    items pushed (count, sum and sum of squares); and each consumer saw each producer's items in
//!    increasing order (FIFO).
//! 3. **Hand-off on the sleeping backend**: worker 0 pushes `HANDOFF` numbered items, each only
//!    once worker 1 has called the backend's `wait` again, and pauses after each; worker 1 pops
//!    them, checks the order, and its calls into `wait` are counted. Each is at most one sleep
//!    (`WFI` on RISC-V) ended by a push: by its wake-up, or by its change of the word before the
//!    sleep began (then the wake-up may end the next call early). So the count must stay at or
//!    below two per item moved (plus two for the edges); it is about one. A backend that spun
//!    would return from `wait` hundreds of times per item, as phase 4 shows.
//! 4. **The same hand-off on `Spin`**, for contrast, with a tenth of the items: each `wait` there
//!    is one bounded poll.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(
    all(target_os = "none", target_arch = "arm"),
    expect(
        dead_code,
        reason = "one core: the two-worker phases are built but not run"
    )
)]

use core::marker::PhantomData;

use baresync::generic::{Barrier, MpmcQueue, Mutex};
use baresync::wait::{AtomicU32, Spin, Wait};
use core::sync::atomic::Ordering;

const WORKERS: u32 = 2;
/// Increments per worker.
const INCREMENTS: u32 = if cfg!(miri) { 200 } else { 100_000 };
/// Items each worker pushes.
const ITEMS: u32 = if cfg!(miri) { 200 } else { 50_000 };
/// Items pushed (then popped) per round; two bursts fit the queue, so `push` never waits forever.
const BURST: u32 = 4;
/// Items worker 0 hands to worker 1 in phase 3, and in phase 4 (a tenth: spinning is slow).
const HANDOFF: u32 = if cfg!(miri) { 20 } else { 1_000 };
const SPIN_HANDOFF_ITEMS: u32 = HANDOFF / 10;
/// Turns of an empty loop the producer pauses after each hand-off item: time in which a backend
/// whose `wait` returned without a wake-up would call it again and again.
const HANDOFF_PAUSE: u32 = if cfg!(miri) { 10 } else { 20_000 };
/// The backend whose waiters sleep: the OS futex on the host, `WFI` plus a software interrupt
/// to the other hart on RISC-V, `WFE`/`SEV` on Cortex-M.
#[cfg(not(target_os = "none"))]
type Sleeping = baresync::wait::Futex;
#[cfg(all(
    target_os = "none",
    any(target_arch = "riscv32", target_arch = "riscv64")
))]
type Sleeping = baresync::wait::WfiIpi<harts::QemuVirt>;
#[cfg(all(target_os = "none", target_arch = "arm"))]
type Sleeping = baresync::wait::Wfe;

/// How the report names [`Sleeping`].
const SLEEPING: &str = if cfg!(not(target_os = "none")) {
    "Futex"
} else if cfg!(target_arch = "arm") {
    "Wfe"
} else {
    "WfiIpi"
};

/// Prints a line: on stdout on the host, through semihosting on a board.
macro_rules! say {
    ($($arg:tt)*) => {{
        #[cfg(not(target_os = "none"))]
        println!($($arg)*);
        #[cfg(target_os = "none")]
        board::println!($($arg)*);
    }};
}

/// The wait calls of one backend, per worker.
trait Tally {
    fn tally() -> &'static [AtomicU32; WORKERS as usize];
}

impl Tally for Spin {
    fn tally() -> &'static [AtomicU32; WORKERS as usize] {
        static WAITS: [AtomicU32; WORKERS as usize] = [const { AtomicU32::new(0) }; 2];
        &WAITS
    }
}

impl Tally for Sleeping {
    fn tally() -> &'static [AtomicU32; WORKERS as usize] {
        static WAITS: [AtomicU32; WORKERS as usize] = [const { AtomicU32::new(0) }; 2];
        &WAITS
    }
}

/// Backend `W`, with every call into its `wait` counted for the calling worker.
struct Counted<W>(PhantomData<W>);

impl<W: Wait + Tally> Wait for Counted<W> {
    fn wait(word: &AtomicU32, expected: u32) {
        // Relaxed: a statistic, read after the workers have met at a barrier.
        W::tally()[worker_id()].fetch_add(1, Ordering::Relaxed);
        W::wait(word, expected);
    }
    fn wake_one(word: *const AtomicU32) {
        W::wake_one(word);
    }
    fn wake_all(word: *const AtomicU32) {
        W::wake_all(word);
    }
    const WAKE_NEEDED: bool = W::WAKE_NEEDED;
    const POLLS: bool = W::POLLS;
    fn poll_pause(round: u32) -> bool {
        W::poll_pause(round)
    }
    fn light_publish() -> bool {
        W::light_publish()
    }
    fn heavy_fence() -> bool {
        W::heavy_fence()
    }
    fn heavy_fence_is_costly() -> bool {
        W::heavy_fence_is_costly()
    }
}

/// The calls to `W`'s `wait` that `worker` made since the last call, which resets the count.
fn take_waits<W: Tally>(worker: usize) -> u32 {
    // Relaxed: only `worker` itself counts into its slot.
    W::tally()[worker].swap(0, Ordering::Relaxed)
}

/// What phases 1 and 2 share on one backend.
struct Hammer<W> {
    counter: Mutex<u64, Counted<W>>,
    queue: MpmcQueue<u32, 16, Counted<W>>,
}

impl<W> Hammer<W> {
    const fn new() -> Self {
        Self {
            counter: Mutex::new(0),
            queue: MpmcQueue::new(),
        }
    }
}

static SPIN_HAMMER: Hammer<Spin> = Hammer::new();
static SLEEPING_HAMMER: Hammer<Sleeping> = Hammer::new();
static SPIN_HANDOFF: MpmcQueue<u32, 4, Counted<Spin>> = MpmcQueue::new();
static SLEEPING_HANDOFF: MpmcQueue<u32, 4, Counted<Sleeping>> = MpmcQueue::new();

/// What one worker popped.
#[derive(Default, Clone, Copy)]
struct Popped {
    count: u64,
    sum: u64,
    sum_sq: u64,
    /// Times the worker found the counter's lock held by the other one (evidence of parallelism).
    contended: u64,
}

/// One worker's hammer on `hammer`. Items are `producer * ITEMS + i`.
fn worker<W: Wait + Tally>(hammer: &Hammer<W>, id: u32) -> Result<Popped, &'static str> {
    let mut popped = Popped::default();
    // The last item seen from each producer, for the FIFO check.
    let mut last = [None::<u32>; WORKERS as usize];
    let mut pushed = 0;
    while pushed < ITEMS {
        let burst = BURST.min(ITEMS - pushed);
        for i in pushed..pushed + burst {
            hammer
                .queue
                .push(id * ITEMS + i)
                .map_err(|_| "queue closed")?;
            let mut counter = hammer.counter.try_lock().unwrap_or_else(|| {
                popped.contended += 1;
                hammer.counter.lock()
            });
            let before = *counter;
            *counter = before + 1;
        }
        for _ in 0..burst {
            let item = hammer.queue.pop().map_err(|_| "queue closed")?;
            let producer = (item / ITEMS) as usize;
            if last[producer].is_some_and(|prev| prev >= item) {
                return Err("items of one producer popped out of order");
            }
            last[producer] = Some(item);
            popped.count += 1;
            popped.sum += u64::from(item);
            popped.sum_sq += u64::from(item) * u64::from(item);
        }
        pushed += burst;
    }
    // Extra increments, so the lock is contended outside the queue's rhythm too.
    for _ in ITEMS..INCREMENTS {
        let mut counter = hammer.counter.try_lock().unwrap_or_else(|| {
            popped.contended += 1;
            hammer.counter.lock()
        });
        *counter += 1;
    }
    Ok(popped)
}

/// Checks the combined result of every worker's hammer on `hammer`.
fn check<W: Wait + Tally>(hammer: &Hammer<W>, results: &[Popped]) -> Result<(), &'static str> {
    let counter = *hammer.counter.lock();
    if counter != u64::from(WORKERS) * u64::from(INCREMENTS.max(ITEMS)) {
        return Err("the mutex lost increments");
    }
    let all = u64::from(WORKERS * ITEMS);
    let count: u64 = results.iter().map(|p| p.count).sum();
    let sum: u64 = results.iter().map(|p| p.sum).sum();
    let sum_sq: u64 = results.iter().map(|p| p.sum_sq).sum();
    let expected_sum = all * (all - 1) / 2;
    let expected_sum_sq = (all - 1) * all * (2 * all - 1) / 6;
    if count != all || sum != expected_sum || sum_sq != expected_sum_sq {
        return Err("the queue lost or duplicated items");
    }
    if !hammer.queue.is_empty() {
        return Err("items left in the queue");
    }
    Ok(())
}

/// Pauses for `HANDOFF_PAUSE` turns of an empty loop (no spin hint: QEMU's RISC-V `pause`
/// leaves the translated code at every hint, which makes it hundreds of times slower).
fn pause() {
    for turn in 0..HANDOFF_PAUSE {
        core::hint::black_box(turn);
    }
}

/// Worker 0's side of a hand-off: `items` items, pausing after each. Each is pushed only once
/// worker 1 has called `wait` again since the last, so every item finds the consumer waiting
/// whatever the timing. (The pause alone did not: on a fast machine the consumer's polling
/// phase, about 16 us on `Futex`, outlasted it, and the consumer never slept.)
fn produce<W: Wait + Tally>(
    queue: &MpmcQueue<u32, 4, Counted<W>>,
    items: u32,
) -> Result<(), &'static str> {
    let mut waits = 0;
    for item in 0..items {
        // Relaxed: only a signal to go on; the queue orders the items. (No spin hint: QEMU's
        // RISC-V `pause` leaves the translated code at every hint, hundreds of times slower.)
        while W::tally()[1].load(Ordering::Relaxed) == waits {}
        waits = W::tally()[1].load(Ordering::Relaxed);
        queue.push(item).map_err(|_| "hand-off queue closed")?;
        pause();
    }
    Ok(())
}

/// Worker 1's side of a hand-off: `items` items, in order.
fn consume<W: Wait>(queue: &MpmcQueue<u32, 4, W>, items: u32) -> Result<(), &'static str> {
    for expected in 0..items {
        if queue.pop().map_err(|_| "hand-off queue closed")? != expected {
            return Err("a hand-off item was lost or arrived out of order");
        }
    }
    Ok(())
}

/// What one worker found, phase by phase.
#[derive(Clone, Copy)]
struct Report {
    /// Phases 1 and 2: what it popped on `Spin` and on the sleeping backend.
    popped: [Popped; 2],
    /// Its calls into `wait` in phases 1 to 4.
    waits: [u32; 4],
}

/// Worker `id`'s side of a hand-off of `items` items: worker 0 produces, worker 1 consumes.
fn handoff<W: Wait + Tally>(
    id: u32,
    queue: &MpmcQueue<u32, 4, Counted<W>>,
    items: u32,
) -> Result<(), &'static str> {
    if id == 0 {
        produce(queue, items)
    } else {
        consume(queue, items)
    }
}

/// One worker's whole run: phases 1 to 4, meeting the other worker between them.
fn run(id: u32, barrier: &Barrier<Spin>) -> Result<Report, &'static str> {
    let me = id as usize;
    let spin = worker(&SPIN_HAMMER, id)?;
    let spin_waits = take_waits::<Spin>(me);
    barrier.wait();
    let sleeping = worker(&SLEEPING_HAMMER, id)?;
    let sleeping_waits = take_waits::<Sleeping>(me);
    barrier.wait();
    handoff(id, &SLEEPING_HANDOFF, HANDOFF)?;
    let handoff_sleeping_waits = take_waits::<Sleeping>(me);
    barrier.wait();
    handoff(id, &SPIN_HANDOFF, SPIN_HANDOFF_ITEMS)?;
    let handoff_spin_waits = take_waits::<Spin>(me);
    Ok(Report {
        popped: [spin, sleeping],
        waits: [
            spin_waits,
            sleeping_waits,
            handoff_sleeping_waits,
            handoff_spin_waits,
        ],
    })
}

/// Checks both workers' reports and prints the summary; `platform` names where it ran.
fn finish(platform: &str, reports: [Report; 2]) -> Result<(), &'static str> {
    check(&SPIN_HAMMER, &[reports[0].popped[0], reports[1].popped[0]])?;
    check(
        &SLEEPING_HAMMER,
        &[reports[0].popped[1], reports[1].popped[1]],
    )?;
    let contended = |backend: usize| {
        reports
            .iter()
            .map(|r| r.popped[backend].contended)
            .sum::<u64>()
    };
    let waits = |phase: usize| reports.iter().map(|r| r.waits[phase]).sum::<u32>();
    say!(
        "smp_hammer ({platform}): phases 1 and 2, Spin then {SLEEPING}: counter {} exact on \
         each, {} items each popped once, per-producer FIFO held; lock found held by the other \
         worker {} and {} times; wait called {} and {} times",
        u64::from(WORKERS) * u64::from(INCREMENTS.max(ITEMS)),
        WORKERS * ITEMS,
        contended(0),
        contended(1),
        waits(0),
        waits(1)
    );
    // Worker 1 is the hand-off's consumer; worker 0 never waits there (the queue holds 4).
    let (sleeps, polls) = (reports[1].waits[2], reports[1].waits[3]);
    say!(
        "smp_hammer ({platform}): phase 3, hand-off on {SLEEPING}: worker 1 received {HANDOFF} \
         items in order, waking from {sleeps} sleeps (wait calls, each at most one sleep ended by \
         a push); phase 4, the same on Spin: {SPIN_HANDOFF_ITEMS} items, {polls} polls \
         ({} per item)",
        polls / SPIN_HANDOFF_ITEMS
    );
    if sleeps > 2 * HANDOFF + 2 {
        return Err(
            "the sleeping backend returned from wait more than twice per item: it spins \
             instead of sleeping",
        );
    }
    say!("smp_hammer: 4 passed, 0 failed");
    Ok(())
}

#[cfg(not(target_os = "none"))]
std::thread_local! {
    /// The worker this thread runs (host only: a board reads its hart id).
    static WORKER_ID: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

#[cfg(not(target_os = "none"))]
fn worker_id() -> usize {
    WORKER_ID.get()
}

#[cfg(not(target_os = "none"))]
fn main() {
    let barrier = Barrier::<Spin>::new(WORKERS);
    let reports: Vec<Report> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WORKERS)
            .map(|id| {
                let barrier = &barrier;
                s.spawn(move || {
                    WORKER_ID.set(id as usize);
                    run(id, barrier)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap_or_else(|why| panic!("{why}")))
            .collect()
    });
    finish("host, 2 threads", [reports[0], reports[1]]).unwrap_or_else(|why| panic!("{why}"));
}

#[cfg(target_os = "none")]
#[path = "../examples/board/mod.rs"]
mod board;

#[cfg(all(target_os = "none", target_arch = "arm"))]
board::entry!(one_core);

/// Cortex-M: one core, so worker 0 is `main` and nothing else waits.
#[cfg(all(target_os = "none", target_arch = "arm"))]
fn worker_id() -> usize {
    0
}

/// One core: the two-worker phases are skipped; the hand-off runs on `Wfe` with SysTick as the
/// producer.
#[cfg(all(target_os = "none", target_arch = "arm"))]
fn one_core() -> Result<(), &'static str> {
    static NEXT: AtomicU32 = AtomicU32::new(0);

    /// The producer: one item per tick, never blocking.
    fn on_tick() {
        let next = NEXT.load(Ordering::Relaxed);
        if next < HANDOFF && SLEEPING_HANDOFF.try_push(next).is_ok() {
            NEXT.store(next + 1, Ordering::Relaxed);
        }
    }

    say!("smp_hammer: one core; the two-worker phases need two (skipped)");
    board::start_ticks(core::time::Duration::from_micros(200), on_tick);
    consume(&SLEEPING_HANDOFF, HANDOFF)?;
    board::stop_ticks();
    let wakeups = take_waits::<Sleeping>(0);
    say!(
        "smp_hammer (Cortex-M, one core): {HANDOFF} items from SysTick in order through a \
         wfe::MpmcQueue; main called the backend's wait {wakeups} times, each one WFE (QEMU runs \
         WFE as a no-op, so main polls here; on silicon each is a sleep until SEV or an \
         interrupt)"
    );
    Ok(())
}

#[cfg(all(
    target_os = "none",
    any(target_arch = "riscv32", target_arch = "riscv64")
))]
fn worker_id() -> usize {
    riscv::register::mhartid::read()
}

#[cfg(all(
    target_os = "none",
    any(target_arch = "riscv32", target_arch = "riscv64")
))]
mod harts {
    use super::*;

    /// QEMU `virt`'s CLINT: `msip` of hart N at `0x0200_0000 + 4 * N`; the runner starts 2 harts.
    pub struct QemuVirt;

    // SAFETY: QEMU virt's CLINT is at 0x0200_0000 and its msip registers come first, 4 bytes per
    // hart; the runner passes `-smp 2`, and only harts 0 and 1 run this program.
    unsafe impl baresync::wait::Msip for QemuVirt {
        const BASE: usize = 0x0200_0000;
        const HARTS: usize = WORKERS as usize;
    }

    static BARRIER: Barrier<Spin> = Barrier::new(WORKERS);
    /// What hart 1 found, published before `DONE` is set.
    static HART1: Mutex<Option<Result<Report, &'static str>>, Spin> = Mutex::new(None);
    static DONE: baresync::spin::Event = baresync::spin::Event::new();

    /// Hart 1 waits in `_mp_hook` until this holds `GO` (set once hart 0 has initialised .data
    /// and .bss, which riscv-rt does on hart 0 only).
    #[unsafe(no_mangle)]
    static BARESYNC_SMP_GO: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
    const GO: u32 = 0x600D_F00D;

    // riscv-rt calls `_mp_hook(hartid)` on every hart before `main`; it must return true on the
    // one hart that initialises memory. Hart 1 spins until hart 0 says go.
    core::arch::global_asm!(
        r#".section .init.mp_hook, "ax"
        .global _mp_hook
    _mp_hook:
        beqz a0, 2f
        li t1, 0x600DF00D
        la t0, BARESYNC_SMP_GO
    1:  lw t2, 0(t0)
        bne t2, t1, 1b
        fence r, rw
        li a0, 0
        ret
    2:  li a0, 1
        ret
    "#
    );

    #[riscv_rt::entry]
    fn main() -> ! {
        let hart = riscv::register::mhartid::read();
        if hart != 0 {
            let result = run(1, &BARRIER);
            *HART1.lock() = Some(result);
            DONE.set();
            loop {
                riscv::asm::wfi();
            }
        }
        // Release: hart 1's Acquire (the `fence r, rw` after its load) sees initialised memory.
        BARESYNC_SMP_GO.store(GO, core::sync::atomic::Ordering::Release);
        board::finish(run_hart0())
    }

    fn run_hart0() -> Result<(), &'static str> {
        let mine = run(0, &BARRIER)?;
        DONE.wait();
        let theirs = HART1.lock().take().ok_or("hart 1 reported nothing")??;
        finish("riscv32, 2 harts in parallel", [mine, theirs])
    }
}
