#!/usr/bin/env bash
# Install ONNX Runtime's shared library into a project-local folder (default: <repo>/.ort/lib).
#
# asal-fm loads ONNX Runtime at run time (ort's `load-dynamic`), so the library is not linked at build
# time. ort's own binary download goes to a CDN that offline build machines cannot reach, but PyPI is
# reachable, and the `onnxruntime` wheel ships the plain C library in `onnxruntime/capi/`. This script
# downloads that wheel (no Python install, no dependencies) and copies the library out of it.
#
# Usage: scripts/install-onnxruntime.sh [--gpu] [--force]
#   --gpu    take the `onnxruntime-gpu` wheel (CUDA and TensorRT providers, Linux x86_64/aarch64)
#   --force  reinstall even when the pinned version is already present
# Environment:
#   ASAL_ORT_DIR      install folder (default <repo>/.ort); asal-fm searches the same folder
#   ASAL_ORT_VERSION  override the pinned version (must be >= 1.24, the C API level asal-fm asks for)
#   PYTHON            the Python whose pip downloads the wheel (default python3)
#
# Idempotent: a second run with the same version and flavour only prints the library path.
# The last line printed is the absolute path of the library; set ORT_DYLIB_PATH to it to pin it.
set -euo pipefail

# 1.31 is the release ort 2.0.0-rc.15 wraps; asal-fm asks for C API 24 (ort feature `api-24`), and
# ort refuses (with an error, not a crash) any library older than 1.24.
ORT_VERSION="${ASAL_ORT_VERSION:-1.31.1}"
PYTHON="${PYTHON:-python3}"

flavour=cpu
force=0
for arg in "$@"; do
    case "$arg" in
        --gpu) flavour=gpu ;;
        --force) force=1 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "install-onnxruntime: unknown argument '$arg' (expected --gpu or --force)" >&2; exit 2 ;;
    esac
done

package=onnxruntime
[ "$flavour" = gpu ] && package=onnxruntime-gpu

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${ASAL_ORT_DIR:-$root/.ort}"
libdir="$dest/lib"
marker="$dest/INSTALLED"
want="$package==$ORT_VERSION"

case "$(uname -s)" in
    Darwin) libname=libonnxruntime.dylib ;;
    MINGW*|MSYS*|CYGWIN*) libname=onnxruntime.dll ;;
    *) libname=libonnxruntime.so ;;
esac

if [ "$force" = 0 ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ] && [ -e "$libdir/$libname" ]; then
    echo "install-onnxruntime: $want already installed" >&2
    echo "$libdir/$libname"
    exit 0
fi

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "install-onnxruntime: '$PYTHON' not found; install Python 3 with pip (apt-get install python3-pip)" >&2
    exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "install-onnxruntime: downloading $want from PyPI" >&2
# The wheel is only unpacked, never installed, so its Python tag does not matter; when the current
# interpreter has no wheel (a very new Python), ask for a CPython 3.12 one instead.
if ! "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "$want" >&2; then
    echo "install-onnxruntime: no wheel for this Python; trying the CPython 3.12 wheel" >&2
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
        --dest "$tmp" "$want" >&2
fi

wheel="$(ls "$tmp"/*.whl | head -n 1)"
mkdir -p "$dest"
# Unpack into a fresh folder and swap it in, so an interrupted run never leaves a half-written lib/.
staging="$dest/lib.tmp.$$"
rm -rf "$staging"
mkdir -p "$staging"
"$PYTHON" - "$wheel" "$staging" <<'EOF'
import os, shutil, stat, sys, zipfile

wheel, out = sys.argv[1], sys.argv[2]
copied = []
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if not name.startswith("onnxruntime/capi/"):
            continue
        base = os.path.basename(name)
        # The C library and the provider libraries beside it; not the Python extension module.
        if "pybind" in base or not (base.startswith("libonnxruntime") or base.startswith("onnxruntime")):
            continue
        if not (".so" in base or base.endswith(".dylib") or base.endswith(".dll")):
            continue
        with z.open(name) as src, open(os.path.join(out, base), "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.chmod(os.path.join(out, base), 0o755)
        copied.append(base)
if not copied:
    sys.exit(f"install-onnxruntime: {wheel} holds no onnxruntime/capi/libonnxruntime* library")
print("install-onnxruntime: extracted " + ", ".join(sorted(copied)), file=sys.stderr)
EOF

# The wheel ships a versioned name (libonnxruntime.so.1.31.1); give it the plain name too.
if [ ! -e "$staging/$libname" ]; then
    versioned="$(cd "$staging" && ls ${libname%.*}* 2>/dev/null | grep -v providers | head -n 1 || true)"
    if [ -z "$versioned" ]; then
        echo "install-onnxruntime: the wheel has no $libname" >&2
        exit 1
    fi
    ln -s "$versioned" "$staging/$libname"
fi

rm -rf "$libdir"
mv "$staging" "$libdir"
echo "$want" > "$marker"
echo "install-onnxruntime: installed $want into $libdir" >&2
echo "$libdir/$libname"
