//! A queue of capacity zero is rejected at compile time.

static Q: baresync::spin::SpscQueue<u8, 0> = baresync::spin::SpscQueue::new();

fn main() {
    let _ = &Q;
}
