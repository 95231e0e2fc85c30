#!/usr/bin/env bash
# The README's main command: install what is missing, build, and run a real search — which of 48
# well-known Life-like rules are the most open-ended, judged by the built-in pixel model — then
# simulate Chan's Orbium. Outputs: runs/demo/ (ranked.tsv, creatures, clips) and out/demo/orbium/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/bootstrap.sh
cargo build --release --locked --bin asal
asal=target/release/asal
"$asal" info
# Judge with CLIP ViT-B/32 when it has been pulled, else with the built-in pixel model.
config=assets/configs/demo.toml
if "$asal" models path clip-vit-b32 >/dev/null 2>&1; then
    mkdir -p runs
    sed 's/^name = "pixels"$/name = "clip-vit-b32"/' "$config" > runs/demo-clip.toml
    config=runs/demo-clip.toml
    echo "judging with CLIP ViT-B/32"
else
    echo "judging with the built-in pixel model (for CLIP: asal models pull clip-vit-b32)"
fi
# --force: the demo always starts over (a real run would use --resume to continue).
"$asal" search "$config" --out runs/demo --force
echo
echo "most open-ended rules (lower score = more novelty):"
head -n 6 runs/demo/ranked.tsv
"$asal" simulate --creature assets/creatures/orbium.json --steps 300 --frames 101 --out out/demo/orbium
echo
echo "clips: runs/demo/clips/best-*/clip.webp, out/demo/orbium/clip.webp"
