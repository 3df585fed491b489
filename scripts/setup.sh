#!/usr/bin/env bash
# Create ./.venv (Python 3.11+) and install film_assets with its test tools. Idempotent.
# Everything comes from PyPI: ffmpeg ships inside imageio-ffmpeg, fonts and espeak-ng inside
# wheels; no system packages, no Docker, no GPU.
#   bash scripts/setup.sh          the base install (CPU renderers)
#   bash scripts/setup.sh --gpu    also the gpu extra (torch, diffusers, transformers) and test tools
# Runtime dependencies are pinned by infra/docker/constraints.txt, the same pins the images use
# (regenerate it with infra/docker/freeze_constraints.sh after changing a dependency).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: film_assets needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "--gpu" ]; then
  # torch first, pinned: with it installed, the gpu extra's own "torch" requirement is already met.
  # On a CPU machine of ours pip takes the CPU build of this version from its local wheels; a plain
  # "torch" requirement would pull the CUDA build and several GB with it.
  .venv/bin/python -m pip install --quiet "torch==${TORCH_VERSION:-2.13.0}"
  .venv/bin/python -m pip install --quiet --constraint infra/docker/constraints.txt -e ".[dev,gpu]"
else
  .venv/bin/python -m pip install --quiet --constraint infra/docker/constraints.txt -e ".[dev]"
fi
echo "setup: ready (.venv/bin/filmstudio)" >&2
