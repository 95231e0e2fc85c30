#!/usr/bin/env bash
# The project's test command (README, CI): bootstrap, then formatting, lints and every test.
# GPU tests run on whatever adapter is present, Mesa's software Vulkan driver included.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/bootstrap.sh
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked "$@"
