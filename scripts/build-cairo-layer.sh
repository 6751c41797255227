#!/usr/bin/env bash
# Build an optional Lambda layer with libcairo and its shared libraries, so cairosvg can
# rasterize on Lambda. Without it nothing breaks: cairocffi fails to load libcairo there and the
# renderer falls back to resvg-py (self-contained, shipped in the package).
#
# It must run on Amazon Linux 2, the OS of Lambda's python3.11 runtime (glibc 2.26): libraries
# copied from another distribution need a newer glibc and fail to load. Either run it on an AL2
# host, or let it start an amazonlinux:2 container (docker or podman) for the target
# architecture (the one in chalicelib/resources.py, LAMBDA_ARCHITECTURE).
#
#   scripts/build-cairo-layer.sh [arm64|x86_64]      → dist/layers/cairo-<arch>.zip
#
# Then publish and attach it (see docs/operations.md, "Optional cairo layer"):
#   aws lambda publish-layer-version --layer-name atelier-cairo-<arch> \
#     --zip-file fileb://dist/layers/cairo-<arch>.zip --compatible-runtimes python3.11 \
#     --compatible-architectures <arch>
#
# Not run in CI or on the development machine (no container runtime, no AL2 host there).
set -euo pipefail

ARCH="${1:-arm64}"
case "$ARCH" in
  arm64) PLATFORM=linux/arm64 ;;
  x86_64) PLATFORM=linux/amd64 ;;
  *) echo "usage: $0 [arm64|x86_64]" >&2; exit 2 ;;
esac
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/dist/layers"
mkdir -p "$OUT"

# The part that runs on Amazon Linux 2: install cairo, copy it and every library it links to
# that the Lambda base image lacks into lib/ (Lambda puts /opt/lib on LD_LIBRARY_PATH).
read -r -d '' BUILD <<'EOS' || true
set -euo pipefail
yum install -y -q cairo zip findutils binutils >/dev/null
mkdir -p /layer/lib
for lib in /usr/lib64/libcairo.so.2 $(ldd /usr/lib64/libcairo.so.2 | awk '/=> \//{print $3}'); do
  case "$(basename "$lib")" in
    # glibc and friends come with the runtime; shipping them breaks it.
    libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*) continue ;;
  esac
  cp -L "$lib" /layer/lib/
done
# cairocffi looks for "libcairo.so.2" or "libcairo.so".
ln -sf libcairo.so.2 /layer/lib/libcairo.so
cd /layer && zip -q -r -y /out/cairo.zip lib
echo "layer: $(du -h /out/cairo.zip | cut -f1), $(ls lib | wc -l) libraries"
EOS

if [ -f /etc/os-release ] && grep -q 'Amazon Linux 2"' /etc/os-release \
   && [ "$(uname -m)" = "$( [ "$ARCH" = arm64 ] && echo aarch64 || echo x86_64)" ]; then
  mkdir -p /out && bash -c "$BUILD" && mv /out/cairo.zip "$OUT/cairo-$ARCH.zip"
else
  RUNTIME="$(command -v docker || command -v podman || true)"
  if [ -z "$RUNTIME" ]; then
    echo "needs an Amazon Linux 2 $ARCH host, or docker/podman to run amazonlinux:2" >&2
    exit 1
  fi
  "$RUNTIME" run --rm --platform "$PLATFORM" -v "$OUT:/out" amazonlinux:2 bash -c "$BUILD"
  mv "$OUT/cairo.zip" "$OUT/cairo-$ARCH.zip"
fi
echo "wrote $OUT/cairo-$ARCH.zip"
