//! `RwLock<T>` is `Sync` only for `T: Send + Sync`: readers on several threads share `&T`, and
//! `Cell` is not `Sync` (a `Mutex<Cell<_>>` is, since it hands `&T` to one thread at a time).

static L: baresync::RwLock<std::cell::Cell<u32>> = baresync::RwLock::new(std::cell::Cell::new(0));

fn main() {
    L.read().set(1);
}
