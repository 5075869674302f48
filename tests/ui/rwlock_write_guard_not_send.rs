//! An `RwLockWriteGuard` is not `Send`: the lock is released by the context that took it.

static L: baresync::RwLock<u32> = baresync::RwLock::new(0);

fn main() {
    let guard = L.write();
    std::thread::spawn(move || drop(guard)).join().unwrap();
}
