//! A `LifoQueue`: the most recently pushed item comes out first.
//!
//! Ports Python's `queue.LifoQueue` pattern, a stack of work shared between threads:
//!
//! ```text
//! stack = queue.LifoQueue()
//! for page in ["a", "b", "c"]: stack.put(page)
//! stack.get()                      # "c": last in, first out
//!
//! stack.put(root)                  # depth-first work: each job pushes the jobs it finds
//! def worker():
//!     while True:
//!         node = stack.get(); visit(node)
//!         for child in reversed(children(node)): stack.put(child)
//!         stack.task_done()
//! stack.join()
//! ```
//!
//! Part 1: a thread pushes five pages; the main thread pops them back, newest first.
//! Part 2: a worker walks a binary tree of 15 nodes (node `n` has children `2n` and `2n + 1`)
//! depth first, with the stack as its to-do list: it pushes a node's right child, then its left,
//! so the left subtree is done first. The main thread seeds the root and waits with `join()`;
//! jobs found while working are tasks too, so `join` returns only when the whole tree is done.
//! Checked: part 1 pops in exact reverse push order; part 2 visits the nodes in pre-order.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(
    target_os = "none",
    allow(dead_code, reason = "host-only on boards: nothing runs there")
)]

use baresync::LifoQueue;

/// Part 1: pages of a browsing history.
static HISTORY: LifoQueue<&str, 8> = LifoQueue::new();
/// Part 2: tree nodes still to visit. The walk never holds more than depth + 1 nodes.
static TODO: LifoQueue<u32, 8> = LifoQueue::new();

/// The tree has nodes 1..=LAST_NODE.
const LAST_NODE: u32 = 15;

/// Node `n`'s children that exist, left first.
fn children(n: u32) -> impl Iterator<Item = u32> {
    [2 * n, 2 * n + 1].into_iter().filter(|&c| c <= LAST_NODE)
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::thread;

    // Part 1: last in, first out.
    let pages = ["home", "search", "results", "article", "comments"];
    thread::scope(|s| {
        s.spawn(|| {
            for page in pages {
                HISTORY.push(page).expect("the stack is open");
                println!("visited {page}");
            }
        });
    });
    let mut back = Vec::new();
    while let Ok(page) = HISTORY.try_pop() {
        println!("back to {page}");
        back.push(page);
    }
    let mut reversed = pages;
    reversed.reverse();
    assert_eq!(back, reversed, "the stack did not pop last in, first out");

    // Part 2: depth-first work.
    let visited = thread::scope(|s| {
        let worker = s.spawn(|| {
            let mut visited = Vec::new();
            while let Ok(node) = TODO.pop() {
                visited.push(node);
                let found: Vec<u32> = children(node).collect();
                println!("worker: visit {node}, found {found:?}");
                for &child in found.iter().rev() {
                    TODO.push(child)
                        .expect("the stack is open while work remains");
                }
                TODO.task_done().expect("one task_done per node");
            }
            visited
        });
        TODO.push(1).expect("the stack is open");
        TODO.join();
        println!("main: join() returned, the whole tree is done");
        TODO.close();
        worker.join().unwrap()
    });

    fn preorder(n: u32, out: &mut Vec<u32>) {
        out.push(n);
        for c in children(n) {
            preorder(c, out);
        }
    }
    let mut expected = Vec::new();
    preorder(1, &mut expected);
    println!("visit order: {visited:?}");
    assert_eq!(visited, expected, "the walk was not depth first");
    println!("ok: last in, first out; the stack drove a depth-first walk");
}

// On a board (one core, see targets/): this pattern needs threads that block on each other, so
// the board build only reports that it is a host-only example and exits 0.
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board::host_only);
