#!/usr/bin/env bash
# Create ./.venv (Python 3.11+) and install film_assets with its test tools. Idempotent.
# Everything the product needs comes from PyPI: ffmpeg ships inside imageio-ffmpeg, fonts and
# espeak-ng inside wheels; no system packages, no Docker, no GPU.
#   bash scripts/setup.sh          the base install (CPU renderers)
#   bash scripts/setup.sh --gpu    the tests' setup (scripts/test.sh, CI): also the gpu extra (torch,
#                                  diffusers, transformers) and Debian's chromium for the browser test,
#                                  installed where missing and apt-get runs as root or with sudo
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

# The browser test (tests/cli/test_ui_browser.py) drives Debian's chromium through Playwright;
# Playwright's own browser download is never used (a closed network refuses it, and the system's
# browser is enough). Only the tests' setup installs it: the sample render needs no browser.
# Without chromium the browser test skips and says why.
install_chromium() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else return 1; fi
  fi
  local apt=($sudo env DEBIAN_FRONTEND=noninteractive apt-get -qq -o=Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300)
  # the package lists are fetched only when the install cannot find the package without them
  "${apt[@]}" install -y --no-install-recommends chromium >/dev/null 2>&1 \
    || { "${apt[@]}" update >/dev/null 2>&1 && "${apt[@]}" install -y --no-install-recommends chromium >/dev/null; }
}
if [ "${1:-}" = "--gpu" ] && ! command -v chromium >/dev/null; then
  if command -v apt-get >/dev/null && install_chromium; then
    echo "setup: installed Debian's chromium for the browser test ($(chromium --version 2>/dev/null))" >&2
  else
    echo "setup: chromium is not installed and could not be (needs apt-get as root or passwordless sudo);" \
      "the browser test will skip" >&2
  fi
fi
echo "setup: ready (.venv/bin/filmstudio)" >&2
