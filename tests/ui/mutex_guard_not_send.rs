//! A `MutexGuard` is not `Send`: the lock is released by the context that took it.

static M: baresync::Mutex<u32> = baresync::Mutex::new(0);

fn main() {
    let guard = M.lock();
    std::thread::spawn(move || drop(guard)).join().unwrap();
}
