#!/usr/bin/env bash
# Regenerate infra/docker/constraints.txt: the exact version of every runtime dependency of
# film_assets (base dependencies and the gpu extra, transitive ones included), as installed in
# the repository's .venv. Run it after changing a dependency in pyproject.toml:
#   bash scripts/setup.sh --gpu && bash infra/docker/freeze_constraints.sh
# `pip freeze` lists everything in the venv; only the packages the installed film-assets[gpu]
# requires (walked through importlib.metadata) are kept, so the dev and test tools (pytest,
# schemathesis, moto, ...) and the editable project drop out. torch stays out: each Dockerfile
# installs it itself (none in the CPU image, torch==2.13.0 from the CUDA wheel index in the GPU
# one), and the venv's torch is the CPU build (2.13.0+cpu). Its own dependencies stay in.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-.venv/bin/python}"
OUT="${1:-infra/docker/constraints.txt}"

frozen="$(mktemp)"
trap 'rm -f "$frozen"' EXIT
"$PYTHON" -m pip freeze --all --exclude-editable >"$frozen"

"$PYTHON" - "$frozen" >"$OUT.tmp" <<'PY'
import platform
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

EXTRAS = ("gpu",)
LEFT_OUT = {"film-assets", "torch"}  # the project itself; torch comes from each Dockerfile


def runtime_closure() -> set[str]:
    """Canonical names of the installed distributions film-assets[gpu] needs at run time. The
    project's own requirements come from pyproject.toml (the editable install's metadata can be
    older than it), everything below them from the installed distributions."""
    project = tomllib.load(open("pyproject.toml", "rb"))["project"]
    roots = project["dependencies"] + [r for extra in EXTRAS for r in project["optional-dependencies"][extra]]
    seen: set[tuple[str, str]] = set()
    names: set[str] = set()
    todo = [(r.name, e) for r in map(Requirement, roots) for e in ("", *r.extras)]
    while todo:
        name, extra = todo.pop()
        if (canonicalize_name(name), extra) in seen:
            continue
        seen.add((canonicalize_name(name), extra))
        try:
            dist = distribution(name)
        except PackageNotFoundError:  # its marker held, but it is not installed here
            continue
        names.add(canonicalize_name(dist.metadata["Name"]))
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
                continue
            todo += [(requirement.name, e) for e in ("", *requirement.extras)]
    return names


needed = runtime_closure() - LEFT_OUT
pins = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if not line or line.startswith(("#", "-e")):
        continue
    name, _, version = line.partition("==")
    if version and canonicalize_name(name) in needed:
        pins[canonicalize_name(name)] = f"{name}=={version}"
missing = needed - set(pins)
if missing:
    sys.exit(f"freeze_constraints: not pinned by pip freeze: {sorted(missing)}")

print("# Exact versions of film_assets' runtime dependencies (base + the gpu extra, transitive")
print("# included) for the images in infra/docker: `pip install -c infra/docker/constraints.txt ...`.")
print("# Generated; do not edit by hand. Regenerate from the repository's .venv with:")
print("#   bash scripts/setup.sh --gpu && bash infra/docker/freeze_constraints.sh")
print("# torch is left out on purpose (the CUDA image pins it, the CPU image has none), and so are the")
print("# CUDA wheels the GPU build of torch pins itself (nvidia-*, triton).")
print(f"# Resolved on Python {platform.python_version()}, {sys.platform}/{platform.machine()}.")
for key in sorted(pins):
    print(pins[key])
PY
mv "$OUT.tmp" "$OUT"
echo "freeze_constraints: wrote $OUT" >&2
