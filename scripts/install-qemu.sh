#!/usr/bin/env bash
# Installs QEMU 10 (qemu-system-arm, qemu-system-riscv) on Debian, as targets/README.md describes:
# from the distribution when it has both packages, else from <codename>-backports. Debian
# bookworm needs backports: its own QEMU is 7.2, `qemu-system-riscv` exists only in backports,
# and an image that already carries a backported qemu-utils refuses the 7.2 qemu-system-common.
#
# Backports is added by cloning the sources entry of the base suite (same mirror, same
# keyring), whether apt's sources are deb822 (`*.sources`) or one-line (`sources.list`,
# `*.list`). Needs root. Does nothing if both emulators are already installed.
#
# Usage: scripts/install-qemu.sh   (APT_DIR overrides /etc/apt, for testing the sources edit)
set -euo pipefail

readonly APT_DIR=${APT_DIR:-/etc/apt}
readonly PACKAGES=(qemu-system-arm qemu-system-riscv)

# Writes a backports entry next to the base suite's, unless one exists; prints its file.
add_backports() {
    local codename=$1 deb822 line
    if grep -rqsF -- "${codename}-backports" "$APT_DIR/sources.list" "$APT_DIR/sources.list.d"; then
        echo "(${codename}-backports already in apt's sources)"
        return
    fi
    deb822=$(grep -lsE "^Suites:(.* )?${codename}( |$)" "$APT_DIR"/sources.list.d/*.sources | head -n 1 || true)
    if [[ -n $deb822 ]]; then
        # The stanza whose Suites name the base suite (not the security one), with Suites replaced.
        awk -v RS= -v ORS='\n' -v suite="$codename" '
            $0 ~ ("(^|\n)Suites:([^\n]* )?" suite "( |\n|$)") && $0 !~ /security/ { print; exit }
        ' "$deb822" | sed "s/^Suites:.*/Suites: ${codename}-backports/" \
            >"$APT_DIR/sources.list.d/backports.sources"
        echo "$APT_DIR/sources.list.d/backports.sources"
    else
        # One-line format: deb [options] URI suite components...
        line=$(cat "$APT_DIR/sources.list" "$APT_DIR"/sources.list.d/*.list 2>/dev/null |
            grep -E "^deb (\[[^]]*\] )?[^ ]+ ${codename} " | grep -v security | head -n 1 || true)
        if [[ -z $line ]]; then
            echo "install-qemu.sh: no apt source for ${codename} to clone for backports" >&2
            return 1
        fi
        sed -E "s/ ${codename} / ${codename}-backports /" <<<"$line" \
            >"$APT_DIR/sources.list.d/backports.list"
        echo "$APT_DIR/sources.list.d/backports.list"
    fi
}

main() {
    if command -v qemu-system-arm >/dev/null && command -v qemu-system-riscv32 >/dev/null; then
        qemu-system-arm --version | head -n 1
        return
    fi
    local codename
    codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    if ! apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"; then
        echo "install-qemu.sh: not in ${codename} (or conflicting): trying ${codename}-backports"
        add_backports "$codename"
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends -t "${codename}-backports" "${PACKAGES[@]}"
    fi
    qemu-system-arm --version | head -n 1
    qemu-system-riscv32 --version | head -n 1
}

# Sourced (`. scripts/install-qemu.sh`) for its functions only; run, it installs.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi
