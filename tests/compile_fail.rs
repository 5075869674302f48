//! Compile-fail cases (trybuild): each file under `tests/ui/` must fail to compile with the
//! error recorded next to it in a `.stderr` file. Regenerate those with `TRYBUILD=overwrite`
//! after a deliberate change to a message, and review the diff.

#[test]
#[cfg_attr(miri, ignore = "trybuild spawns rustc, which Miri cannot run")]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
