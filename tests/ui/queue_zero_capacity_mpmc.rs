//! A queue of capacity zero is rejected at compile time.

static Q: baresync::spin::MpmcQueue<u8, 0> = baresync::spin::MpmcQueue::new();

fn main() {
    let _ = &Q;
}
