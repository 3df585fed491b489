#!/usr/bin/env bash
# Create ./.venv (Python 3.11+) and install film_assets with its test tools. Idempotent.
# Everything comes from PyPI: ffmpeg ships inside imageio-ffmpeg, fonts inside a wheel; no
# system packages, no Docker, no GPU.
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
.venv/bin/python -m pip install --quiet -e ".[dev]"
echo "setup: ready (.venv/bin/filmstudio)" >&2
