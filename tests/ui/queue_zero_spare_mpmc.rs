//! An MPMC queue without a spare slot is rejected at compile time: a push or pop in flight would
//! make `try_push` answer `Full` with room left.

static Q: baresync::generic::MpmcQueue<u8, 4, baresync::wait::Spin, 0> =
    baresync::generic::MpmcQueue::new();

fn main() {
    let _ = &Q;
}
