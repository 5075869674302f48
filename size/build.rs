//! Links the size programs for QEMU mps2-an386 (the memory map in ../targets/).
use std::{env, fs, path::PathBuf};

fn main() {
    let target = env::var("TARGET").unwrap_or_default();
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let memory = format!("../targets/{target}/memory.x");
    println!("cargo::rerun-if-changed={memory}");
    if fs::copy(&memory, out.join("memory.x")).is_ok() {
        // A binary-only package: nothing depends on it, so the search path leaks nowhere.
        println!("cargo::rustc-link-search={}", out.display());
        println!("cargo::rustc-link-arg-bins=-Tlink.x");
    }
}
