//! A backend that cannot tell time has no timed methods: a timed call does not compile (instead of
//! spinning forever or ignoring its timeout). `Spin<NoClock>` is `Spin` without a clock, as on bare
//! metal before one is named.

use std::time::Duration;

mod clockless {
    baresync::backend_aliases!(baresync::wait::Spin<baresync::wait::NoClock>);
}

fn main() {
    let m = clockless::Mutex::new(0);
    let _ = m.lock_timeout(Duration::from_millis(1));
    let q = clockless::MpmcQueue::<u8, 4>::new();
    let _ = q.pop_timeout(Duration::from_millis(1));
}
