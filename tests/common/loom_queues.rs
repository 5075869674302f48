//! loom models shared by the multi-producer queues (`MpmcQueue`, `PriorityQueue`, `LifoQueue`),
//! which have the same blocking verbs, `close` and `task_done`/`join`: one macro emits them for a
//! queue type bound to `LoomFutex`.
//!
//! Included after `loom_futex` with `#[path = "common/loom_queues.rs"] #[macro_use] mod
//! loom_queues;`; the models use `loom`, `loom::sync::Arc`, `loom::thread` and `loom_futex`.

/// Emits the blocking-path models for `$queue` (a `futex_sync` queue type taking `<u32, N>`).
macro_rules! blocking_queue_models {
    ($queue:ident) => {
        /// The blocking verbs on a one-slot queue with a sleeping backend: the producer sleeps
        /// while full, the consumer while empty. Catches a side that announces itself on the
        /// queue's signal and then misses the other side's change (the `SeqCst` Dekker pair in
        /// `signal.rs`, or the lock for the lock-based queues), or a change that does not notify:
        /// either leaves a side asleep (deadlock).
        #[test]
        fn futex_blocking_push_and_pop() {
            loom_futex::model(3, || {
                let q = loom::sync::Arc::new(loom_futex::futex_sync::$queue::<u32, 1>::new());
                let producer = {
                    let q = q.clone();
                    loom::thread::spawn(move || {
                        q.push(1).unwrap();
                        q.push(2).unwrap();
                    })
                };
                assert_eq!(q.pop(), Ok(1));
                assert_eq!(q.pop(), Ok(2));
                producer.join().unwrap();
            });
        }

        /// Two threads push concurrently while the main thread pops both with blocking pops.
        /// Catches two pushes that claim the same place (an item lost or doubled), a pusher
        /// stranded while contending with the other (deadlock), and a popper never woken.
        #[test]
        fn futex_concurrent_pushes() {
            loom_futex::model(2, || {
                let q = loom::sync::Arc::new(loom_futex::futex_sync::$queue::<u32, 2>::new());
                let pushers: Vec<_> = [1, 2]
                    .into_iter()
                    .map(|i| {
                        let q = q.clone();
                        loom::thread::spawn(move || q.push(i).unwrap())
                    })
                    .collect();
                let mut got = [q.pop().unwrap(), q.pop().unwrap()];
                for p in pushers {
                    p.join().unwrap();
                }
                got.sort_unstable();
                assert_eq!(got, [1, 2]);
            });
        }

        /// A producer pushes twice into a one-slot queue (its second push blocks while the slot
        /// is full), a consumer pops until `Closed` (blocking while empty), and the main thread
        /// closes the queue at any point. Catches a close that does not wake a sleeping pusher or
        /// popper (deadlock), a blocked push that loses its item instead of handing it back, a pop
        /// that reports `Closed` while an accepted item is still queued, and an item accepted
        /// after the close.
        #[test]
        fn futex_close_races_with_blocked_push_and_pop() {
            loom_futex::model(2, || {
                let q = loom::sync::Arc::new(loom_futex::futex_sync::$queue::<u32, 1>::new());
                let producer = {
                    let q = q.clone();
                    loom::thread::spawn(move || [q.push(1), q.push(2)])
                };
                let consumer = {
                    let q = q.clone();
                    loom::thread::spawn(move || {
                        std::iter::from_fn(|| q.pop().ok()).collect::<Vec<u32>>()
                    })
                };
                q.close();
                let pushed = producer.join().unwrap();
                let popped = consumer.join().unwrap();
                let accepted: Vec<u32> = (1..=2)
                    .filter(|&i| pushed[i as usize - 1].is_ok())
                    .collect();
                for (i, r) in (1..=2).zip(pushed) {
                    assert!(r == Ok(()) || r == Err(baresync::Closed(i)), "{r:?}");
                }
                assert_eq!(popped, accepted, "every accepted item popped before Closed");
            });
        }

        /// A worker pops two items and marks each done after recording its work; the main thread
        /// pushes both and `join`s. Catches a `join` that returns before the last `task_done`
        /// (the work would be missing: loom checks the plain write), a `task_done` that does not
        /// wake a sleeping joiner (deadlock), and a task counted after its item became visible (a
        /// spurious `TaskDoneError`).
        #[test]
        fn futex_task_done_and_join() {
            loom_futex::model(3, || {
                let shared = loom::sync::Arc::new((
                    loom_futex::futex_sync::$queue::<u32, 2>::new(),
                    loom_futex::Data::new(0),
                ));
                let worker = {
                    let shared = shared.clone();
                    loom::thread::spawn(move || {
                        let (q, work) = &*shared;
                        for _ in 0..2 {
                            let item = q.pop().unwrap();
                            work.set(work.get() + item);
                            q.task_done().unwrap();
                        }
                    })
                };
                let (q, work) = &*shared;
                q.push(1).unwrap();
                q.push(2).unwrap();
                q.join();
                assert_eq!(work.get(), 3, "join returned after all the work");
                worker.join().unwrap();
            });
        }
    };
}
