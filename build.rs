//! Build script: one target cfg for the library, and link flags for this package's own board
//! examples and tests.
//!
//! 1. `cfg(baresync_cortex_m)` on Cortex-M triples (`thumbv6m`, `thumbv7m`, `thumbv7em`,
//!    `thumbv8m.*`). The `Wfi` and `Wfe` backends and the debug check that a caller may block
//!    read M-profile registers (PRIMASK, IPSR, CONTROL), which A- and R-profile ARM cores do not
//!    have, and stable Rust does not expose `target_feature = "mclass"`. Plus
//!    `cfg(baresync_cortex_m_mainline)` on the Mainline profiles (`thumbv7m`, `thumbv7em`,
//!    `thumbv8m.main`), the ones with the BASEPRI and FAULTMASK registers (ARMv6-M and ARMv8-M
//!    Baseline have neither, and the instructions that read them do not assemble there).
//!    `src/cfg.rs` and the check in `src/wait/context.rs` are the only readers of these cfgs.
//! 2. The linker script of the QEMU board in `targets/<triple>/` for this package's examples and
//!    tests only, through `rustc-link-arg-examples` / `rustc-link-arg-tests`. Never
//!    `rustc-link-search`: that would put our `memory.x` on the link line of every crate that
//!    depends on baresync. A dependent's own build sees no flag from here.
use std::env;
use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(baresync_cortex_m)");
    println!("cargo::rustc-check-cfg=cfg(baresync_cortex_m_mainline)");

    let target = env::var("TARGET").unwrap_or_default();
    let cortex_m = ["thumbv6m-", "thumbv7m-", "thumbv7em-", "thumbv8m."]
        .iter()
        .any(|prefix| target.starts_with(prefix));
    if cortex_m {
        println!("cargo::rustc-cfg=baresync_cortex_m");
    }
    let mainline = ["thumbv7m-", "thumbv7em-", "thumbv8m.main-"]
        .iter()
        .any(|prefix| target.starts_with(prefix));
    if mainline {
        println!("cargo::rustc-cfg=baresync_cortex_m_mainline");
    }

    // Board link setup, only for the triples that have a memory map in targets/.
    let scripts: &[&str] = if cortex_m {
        // cortex-m-rt's link.x includes memory.x from the search path.
        &["-Tlink.x"]
    } else if target.starts_with("riscv32") || target.starts_with("riscv64") {
        // riscv-rt wants memory.x named explicitly, before its link.x.
        &["-Tmemory.x", "-Tlink.x"]
    } else {
        return;
    };
    let manifest = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let dir = Path::new(&manifest).join("targets").join(&target);
    if !dir.join("memory.x").exists() {
        // A published package without targets/, or a triple we have no board for.
        return;
    }
    println!("cargo::rerun-if-changed={}", dir.display());
    for kind in ["examples", "tests"] {
        println!("cargo::rustc-link-arg-{kind}=-L{}", dir.display());
        for script in scripts {
            println!("cargo::rustc-link-arg-{kind}={script}");
        }
    }
}
