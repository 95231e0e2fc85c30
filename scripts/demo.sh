#!/usr/bin/env bash
# The README's main command: install what is missing, build, and simulate two classic creatures
# on the GPU (or Mesa's software Vulkan driver), writing looping WebP/GIF clips under out/demo/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/bootstrap.sh
cargo build --release --locked --bin asal
asal=target/release/asal
"$asal" info
# Conway's Game of Life from a random soup, 512 generations, one frame every 4.
"$asal" simulate --substrate gol --rule B3/S23 --size 64 --steps 512 --frames 129 --out out/demo/life
# Bert Chan's Orbium gliding through classic Lenia.
"$asal" simulate --creature assets/creatures/orbium.json --steps 300 --frames 101 --out out/demo/orbium
echo
echo "clips: out/demo/life/clip.webp, out/demo/orbium/clip.webp (GIFs and PNG frames beside them)"
