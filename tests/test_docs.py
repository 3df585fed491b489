"""The docs name only files and modules that exist: a moved module cannot leave a stale path in the
README, docs/ or infra/README.md behind."""

from __future__ import annotations

import importlib.util
import re

from tests.conftest import REPO

DOCS = [REPO / "README.md", REPO / "infra" / "README.md", *sorted((REPO / "docs").glob("*.md"))]
TOP = r"(?:film_assets|resources|sensors|gpu_ops|api|tests|bench|infra|scripts|examples|docs)"
PATH = re.compile(rf"(?<![\w./-]){TOP}/[\w./-]*\w")
MODULE = re.compile(r"(?<![\w./-])((?:film_assets|resources|sensors|gpu_ops|api)(?:\.\w+)+)")
GENERATED = ("renders/", "bench/output/")  # made by running something


def named(pattern: re.Pattern) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for doc in DOCS:
        for match in pattern.finditer(doc.read_text()):
            found.setdefault(match.group(0).rstrip("."), set()).add(doc.relative_to(REPO).as_posix())
    return found


def test_every_path_the_docs_name_exists():
    paths = named(PATH)
    missing = {
        path: docs
        for path, docs in paths.items()
        if not path.startswith(GENERATED) and not any(REPO.glob(path.rstrip("/")))
    }
    assert len(paths) > 20  # the pattern finds the paths the docs do name
    assert not missing, f"stale paths in the docs: {missing}"


def test_every_module_the_docs_name_imports():
    def exists(name: str) -> bool:
        # a module, or an attribute of one (film_assets.storage_keys.media_key)
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                if importlib.util.find_spec(".".join(parts[:cut])) is not None:
                    return cut >= len(parts) - 1
            except ModuleNotFoundError:
                continue
        return False

    modules = named(MODULE)
    assert "film_assets.definitions" in modules
    missing = {name: docs for name, docs in modules.items() if not exists(name)}
    assert not missing, f"stale module names in the docs: {missing}"
