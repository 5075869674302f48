//! Regression (issue 17, defect 2): a `BoundedSemaphore` went past its bound through a permit's
//! drop (`acquire()`, then `release(1)` from another thread, then drop the permit: 2 permits on a
//! bound of 1, silently), and a `Semaphore` permit returned at `MAX_PERMITS` panicked inside `Drop`
//! in debug builds.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread;

for_each_backend! {
    #[test]
    fn a_release_while_the_only_permit_is_out_is_refused() {
        let s = sync::BoundedSemaphore::new(1);
        let permit = s.acquire();
        thread::scope(|t| {
            t.spawn(|| assert!(s.try_release(1).is_err(), "the only permit is on loan"));
        });
        drop(permit);
        assert_eq!(s.available_permits(), 1, "never above the bound");
        assert!(s.try_release(1).is_err());
    }

    #[test]
    fn a_forgotten_permit_may_be_released_once() {
        let s = sync::BoundedSemaphore::new(2);
        s.acquire().forget();
        let held = s.acquire();
        assert_eq!(s.available_permits(), 0);
        assert!(s.try_release(2).is_err(), "only one permit was forgotten");
        assert!(s.try_release(1).is_ok(), "gives back the forgotten permit");
        assert!(s.try_release(1).is_err(), "the other one is held");
        drop(held);
        assert_eq!(s.available_permits(), 2);
    }

    #[test]
    fn a_permit_returned_at_max_permits_does_not_panic() {
        let max = sync::Semaphore::MAX_PERMITS;
        let s = sync::Semaphore::new(max);
        let permit = s.acquire();
        s.release(1);
        assert_eq!(s.available_permits(), max);
        let dropped = catch_unwind(AssertUnwindSafe(|| drop(permit)));
        assert!(dropped.is_ok(), "no panic inside Drop");
        assert_eq!(s.available_permits(), max, "the count saturates at MAX_PERMITS");
    }
}
