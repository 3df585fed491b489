#!/usr/bin/env bash
# Set up, then render the sample film with embedded defaults (SQLite instance and media under
# ~/.filmstudio unless FILMSTUDIO_HOME says otherwise; CPU storyboard renderer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/filmstudio render examples/night_shift.fountain --out renders/night-shift "$@"
