//! A queue of capacity zero is rejected at compile time.

static Q: baresync::spin::PriorityQueue<u8, 0> = baresync::spin::PriorityQueue::new();

fn main() {
    let _ = &Q;
}
