//! A binary that registers the wait hook without a context (`set_wait_hook!(T)`) links with
//! hook-backed `ReentrantMutex`es that it only constructs, inspects and takes apart: the
//! context symbol is referenced from the locking paths only. (Locking one here would fail to
//! link with `undefined symbol: _baresync_context_1_0_current`.) And the `Once` family, which
//! needs no context, works through the hook.

use baresync::wait::Futex;

baresync::set_wait_hook!(Futex);

static LOG: baresync::hook::ReentrantMutex<Vec<u32>> =
    baresync::hook::ReentrantMutex::new(Vec::new());

#[test]
fn a_constructed_reentrant_mutex_links_without_a_context() {
    assert!(!LOG.is_locked());
    let mut local = baresync::hook::ReentrantMutex::new(vec![1]);
    local.get_mut().push(2);
    assert_eq!(local.into_inner(), [1, 2]);
}

#[test]
fn once_through_the_hook_needs_no_context() {
    static CELL: baresync::hook::OnceLock<u32> = baresync::hook::OnceLock::new();
    std::thread::scope(|s| {
        let waiter = s.spawn(|| *CELL.wait());
        std::thread::sleep(std::time::Duration::from_millis(5));
        CELL.set(3).unwrap();
        assert_eq!(waiter.join().unwrap(), 3);
    });
}
