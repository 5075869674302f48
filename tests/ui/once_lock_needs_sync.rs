//! A `OnceLock<T>` shared between threads hands out `&T` to all of them: `T` must be `Sync`.

use std::cell::Cell;

static CELL: baresync::OnceLock<Cell<u32>> = baresync::OnceLock::new();

fn main() {
    CELL.get_or_init(|| Cell::new(1));
}
