//! A `ReentrantMutexGuard` is not `Send`: the lock belongs to the context that took it.

static M: baresync::ReentrantMutex<u32> = baresync::ReentrantMutex::new(0);

fn main() {
    let guard = M.lock();
    std::thread::spawn(move || drop(guard)).join().unwrap();
}
