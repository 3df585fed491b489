#!/usr/bin/env bash
# Set up, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --gpu  # the tests build and run a tiny diffusion model
# the service-mode tests need a Postgres on 127.0.0.1:5432 (or FILMSTUDIO_TEST_POSTGRES)
if ! bash scripts/postgres.sh; then
  echo "test: no Postgres for the service-mode tests; they will fail (the others run)" >&2
fi
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  # pytest's "no tests collected": say so loudly instead of failing on an exit code nobody reads
  echo "test: pytest collected no tests" >&2
  exit 0
fi
exit "$status"
