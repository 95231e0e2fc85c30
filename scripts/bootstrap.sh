#!/usr/bin/env bash
# Install what asal needs on a fresh Linux machine, idempotently:
#   - a Vulkan driver: Mesa's software rasteriser (lavapipe) when no Vulkan device is installed,
#   - ONNX Runtime's shared library, from the `onnxruntime` PyPI wheel, into .ort/ (see
#     scripts/install-onnxruntime.sh),
#   - Chromium and Node.js for the gallery's headless-browser test,
#   - the Rust toolchain is expected (https://rustup.rs); the script says so if it is missing.
# Safe to run again: each step checks before it installs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf 'bootstrap: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
        say "need root to run: $*"; return 1
    fi
}

apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        say "no apt-get here: install $* with your package manager"
        return 1
    fi
    # Refresh the package lists at most once per bootstrap run.
    if [ -z "${ASAL_APT_UPDATED:-}" ]; then
        as_root apt-get update -qq
        export ASAL_APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# 1. Vulkan: the loader plus at least one installable client driver (ICD). A machine with a GPU
#    driver already has its ICD; otherwise take Mesa's lavapipe, which runs the kernels on the CPU.
have_icd() {
    local f
    for f in /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json; do
        [ -e "$f" ] && return 0
    done
    return 1
}
have_loader() {
    local libs
    libs="$(ldconfig -p 2>/dev/null || true)"
    [[ "$libs" == *"libvulkan.so.1 "* ]]
}
if have_icd && have_loader; then
    say "Vulkan driver present"
else
    say "installing Mesa's Vulkan drivers (lavapipe) and the Vulkan loader"
    apt_install mesa-vulkan-drivers libvulkan1
fi

# 2. Python with pip, needed only to fetch the ONNX Runtime wheel.
if ! python3 -m pip --version >/dev/null 2>&1; then
    say "installing python3-pip"
    apt_install python3-pip
fi

# 3. ONNX Runtime's shared library (asal-fm loads it at run time).
"$root/scripts/install-onnxruntime.sh" >/dev/null

# 4. Headless Chromium and Node.js for the gallery's browser test (tests/gallery.rs drives Debian's
#    `chromium` over the DevTools pipe from tests/browser/check_gallery.js). Not fatal: only that
#    test needs them, and it says so when they are missing.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    say "installing chromium (headless browser for the gallery test)"
    apt_install chromium || say "could not install chromium: the gallery browser test will fail"
fi
if ! command -v node >/dev/null 2>&1; then
    say "installing nodejs (drives Chromium in the gallery test)"
    apt_install nodejs || say "could not install nodejs: the gallery browser test will fail"
fi

# 5. Rust.
if ! command -v cargo >/dev/null 2>&1; then
    say "cargo not found: install Rust 1.95 or newer from https://rustup.rs, then run this again"
    exit 1
fi
say "ready"
