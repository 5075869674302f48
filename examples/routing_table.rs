//! A routing table in an `RwLock`: looked up by many threads at once, replaced now and then.
//!
//! Python's `threading` has no reader-writer lock; the usual port puts the table behind a
//! `Lock`, which makes every lookup wait for every other:
//!
//! ```text
//! lock = threading.Lock()
//! def lookup(dst):
//!     with lock:
//!         return longest_prefix_match(table, dst)
//! ```
//!
//! With an `RwLock`, lookups share the lock and only an update takes it alone. The update
//! rewrites the table route by route under the write lock, then downgrades it to a read lock to
//! check its own work: no other writer can slip in between.
//!
//! Checked: every lookup finds the longest matching prefix, and the next hop that the table's
//! version says (a lookup that saw a half-rewritten table would not); versions never go back
//! for a reader; every update is applied exactly once. The example exits non-zero otherwise.
//!
//! On a board (one core, see `targets/`), `main` does the lookups and the timer interrupt does
//! the updates: a handler may not block, so it uses `try_write` and, when it interrupted a
//! lookup, tries again on its next tick.
#![cfg_attr(target_os = "none", no_std, no_main)]

use baresync::{RwLock, RwLockWriteGuard};

/// One route: a destination prefix and the next hop for it.
#[derive(Clone, Copy)]
struct Route {
    network: u32,
    prefix_len: u32,
    next_hop: u32,
}

/// The prefixes of the table (the next hops change with each version).
const PREFIXES: [(u32, u32); 8] = [
    (0x0000_0000, 0),  // default route
    (0x0A00_0000, 8),  // 10.0.0.0/8
    (0x0A01_0000, 16), // 10.1.0.0/16
    (0x0A01_0200, 24), // 10.1.2.0/24
    (0x0A01_0280, 25), // 10.1.2.128/25
    (0xAC10_0000, 12), // 172.16.0.0/12
    (0xC0A8_0000, 16), // 192.168.0.0/16
    (0xC0A8_0100, 24), // 192.168.1.0/24
];

/// Next hops are gateway numbers 0..GATEWAYS.
const GATEWAYS: u32 = 4;

/// Version `version`'s next hop for route `index`.
fn next_hop(index: usize, version: u32) -> u32 {
    (index as u32 + version) % GATEWAYS
}

/// The routing table: a version and one route per prefix.
struct Table {
    version: u32,
    routes: [Route; PREFIXES.len()],
}

impl Table {
    const fn new() -> Self {
        let mut routes = [Route {
            network: 0,
            prefix_len: 0,
            next_hop: 0,
        }; PREFIXES.len()];
        let mut i = 0;
        while i < PREFIXES.len() {
            routes[i] = Route {
                network: PREFIXES[i].0,
                prefix_len: PREFIXES[i].1,
                next_hop: i as u32 % GATEWAYS,
            };
            i += 1;
        }
        Self { version: 0, routes }
    }

    /// The index of the longest prefix that matches `destination`.
    fn longest_match(&self, destination: u32) -> usize {
        let mut best = 0;
        for (i, route) in self.routes.iter().enumerate() {
            let mask = u32::MAX.checked_shl(32 - route.prefix_len).unwrap_or(0);
            if destination & mask == route.network
                && route.prefix_len >= self.routes[best].prefix_len
            {
                best = i;
            }
        }
        best
    }

    /// Rewrites the table to the next version, route by route (a reader that could see it
    /// half-done would find hops of two versions).
    fn update(&mut self) {
        self.version += 1;
        for (i, route) in self.routes.iter_mut().enumerate() {
            route.next_hop = next_hop(i, self.version);
        }
    }

    /// Whether every route carries its version's next hop.
    fn consistent(&self) -> bool {
        self.routes
            .iter()
            .enumerate()
            .all(|(i, route)| route.next_hop == next_hop(i, self.version))
    }
}

/// The prefix that `destination` must match, worked out without the table.
fn expected_route(destination: u32) -> usize {
    match destination >> 24 {
        10 if destination >> 16 == 0x0A01 && (destination >> 8) & 0xFF == 2 => {
            if destination & 0x80 != 0 { 4 } else { 3 }
        }
        10 if destination >> 16 == 0x0A01 => 2,
        10 => 1,
        172 if (destination >> 20) & 0xF == 1 => 5,
        192 if destination >> 16 == 0xC0A8 && (destination >> 8) & 0xFF == 1 => 7,
        192 if destination >> 16 == 0xC0A8 => 6,
        _ => 0,
    }
}

static TABLE: RwLock<Table> = RwLock::new(Table::new());

/// A destination address from a counter: spread over all the prefixes.
fn destination(n: u32) -> u32 {
    const SAMPLES: [u32; 8] = [
        0x0A01_0203, // 10.1.2.3
        0x0A01_02F0, // 10.1.2.240
        0x0A01_0909, // 10.1.9.9
        0x0A63_0001, // 10.99.0.1
        0xAC1F_0001, // 172.31.0.1
        0xC0A8_0105, // 192.168.1.5
        0xC0A8_0701, // 192.168.7.1
        0x0808_0808, // 8.8.8.8
    ];
    SAMPLES[n as usize % SAMPLES.len()] ^ (n & 0x3) // vary the host part a little
}

/// One lookup, checked; returns the table version it saw.
fn lookup(n: u32) -> Result<u32, &'static str> {
    let destination = destination(n);
    let table = TABLE.read();
    let route = table.longest_match(destination);
    if route != expected_route(destination) {
        return Err("a lookup matched the wrong prefix");
    }
    if table.routes[route].next_hop != next_hop(route, table.version) || !table.consistent() {
        return Err("a lookup saw a half-updated table");
    }
    Ok(table.version)
}

/// One update, checked through a downgrade: the writer reads back exactly what it wrote.
fn update() -> Result<u32, &'static str> {
    let mut table = TABLE.write();
    table.update();
    let written = table.version;
    let table = RwLockWriteGuard::downgrade(table);
    if table.version != written || !table.consistent() {
        return Err("another writer got in between the update and its downgrade");
    }
    Ok(written)
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::thread;
    use std::time::{Duration, Instant};

    const READERS: u32 = 8;
    const LOOKUPS: u32 = 100_000;
    const UPDATES: u32 = 50;

    let start = Instant::now();
    let lookups = thread::scope(|s| {
        let readers: Vec<_> = (0..READERS)
            .map(|r| {
                s.spawn(move || {
                    let mut last_version = 0;
                    for n in 0..LOOKUPS {
                        let version =
                            lookup(n.wrapping_mul(r + 1)).unwrap_or_else(|why| panic!("{why}"));
                        assert!(
                            version >= last_version,
                            "a reader saw the table go back in time"
                        );
                        last_version = version;
                    }
                    LOOKUPS
                })
            })
            .collect();
        s.spawn(|| {
            for expected in 1..=UPDATES {
                assert_eq!(update().unwrap_or_else(|why| panic!("{why}")), expected);
                // Updates are rare next to lookups.
                thread::sleep(Duration::from_micros(200));
            }
        });
        readers.into_iter().map(|r| r.join().unwrap()).sum::<u32>()
    });
    let elapsed = start.elapsed();

    let table = TABLE.read();
    println!(
        "{READERS} readers x {LOOKUPS} lookups = {lookups}, {UPDATES} updates (in {elapsed:?}); \
         table version {}",
        table.version
    );
    assert_eq!(lookups, READERS * LOOKUPS);
    assert_eq!(
        table.version, UPDATES,
        "an update was lost or applied twice"
    );
    assert!(table.consistent());
    drop(table);
    assert!(!TABLE.is_locked(), "every guard was dropped");
    println!("ok: every lookup consistent, every update applied once");
}

// On a board (one core): `main` looks up, the timer interrupt updates with `try_write`.
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board_main);

#[cfg(target_os = "none")]
mod on_board {
    use super::{TABLE, next_hop};
    use core::sync::atomic::{AtomicU32, Ordering};

    /// Updates the handler makes.
    pub(crate) const UPDATES: u32 = 20;
    /// Updates the handler made, and ticks on which it found a lookup in the way.
    pub(crate) static APPLIED: AtomicU32 = AtomicU32::new(0);
    pub(crate) static BUSY: AtomicU32 = AtomicU32::new(0);

    /// The timer interrupt: `try_write` only.
    pub(crate) fn on_tick() {
        if APPLIED.load(Ordering::Relaxed) >= UPDATES {
            return;
        }
        match TABLE.try_write() {
            Some(mut table) => {
                table.update();
                let ok = table.routes[0].next_hop == next_hop(0, table.version);
                drop(table);
                if ok {
                    APPLIED.store(APPLIED.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
                }
            }
            None => BUSY.store(BUSY.load(Ordering::Relaxed) + 1, Ordering::Relaxed),
        }
    }
}

#[cfg(target_os = "none")]
fn board_main() -> Result<(), &'static str> {
    use core::sync::atomic::Ordering;
    use on_board::{APPLIED, BUSY, UPDATES, on_tick};

    board::start_ticks(core::time::Duration::from_micros(100), on_tick);
    let mut last_version = 0;
    let mut lookups = 0u32;
    while APPLIED.load(Ordering::Relaxed) < UPDATES {
        let version = lookup(lookups)?;
        if version < last_version {
            return Err("main saw the table go back in time");
        }
        last_version = version;
        lookups += 1;
        // "Forward the packet", outside the lock, for a time that varies from packet to
        // packet: the emulated timer is exact, and with lookups of constant length its tick
        // could keep landing inside one.
        for i in 0..lookups % 16 {
            core::hint::black_box(i);
        }
    }
    board::stop_ticks();
    // One last update from `main`, checked through its downgrade.
    if update()? != UPDATES + 1 {
        return Err("an update was lost or applied twice");
    }
    board::println!(
        "board: main made {lookups} lookups, the timer interrupt {UPDATES} updates (a lookup \
         was in its way on {} ticks); table version {}",
        BUSY.load(Ordering::Relaxed),
        TABLE.read().version
    );
    Ok(())
}
