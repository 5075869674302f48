//! A queue of capacity zero is rejected at compile time.

static Q: baresync::spin::LifoQueue<u8, 0> = baresync::spin::LifoQueue::new();

fn main() {
    let _ = &Q;
}
