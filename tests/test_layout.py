"""The package map holds: domain code is pure, and no module imports itself back through others.

Read from the source with `ast`, so a lazy import inside a function or under TYPE_CHECKING counts
as much as one at the top: a cycle there is still a cycle for whoever reads the code.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("film_assets", "resources", "sensors", "gpu_ops", "api")
# What domain/ may not import: processes, C libraries, media decoding and Dagster live in
# film_assets/bindings/ and the assets, which pass the domain what it needs.
IMPURE = (
    "subprocess",
    "ctypes",
    "av",
    "dagster",
    "dagster_aws",
    "dagster_k8s",
    "imageio_ffmpeg",
    "boto3",
    "multiprocessing",
    "film_assets.bindings",
    "film_assets.assets",
    "resources",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES for path in sorted((REPO / package).rglob("*.py"))}


def imported(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module `path` imports, anywhere in the file; `from package import module` counts as
    the module."""
    own = module_name(path)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                package = own.split(".") if path.name == "__init__.py" else own.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules)
    return found


def test_domain_code_imports_no_process_c_library_media_decoder_or_dagster():
    modules = sources()
    offences = []
    for name, path in modules.items():
        if not name.startswith("film_assets.domain"):
            continue
        for target in sorted(imported(path, modules)):
            if any(target == bad or target.startswith(bad + ".") for bad in IMPURE):
                offences.append(f"{path.relative_to(REPO)} imports {target}")
    assert not offences, "domain/ must stay pure (pass bindings in, or call them from the assets):\n" + "\n".join(
        offences
    )


def test_no_module_imports_itself_back_through_others():
    modules = sources()
    graph = {
        name: {target for target in imported(path, modules) if target in modules and target != name}
        for name, path in modules.items()
    }
    # Tarjan's strongly connected components: any component of two or more modules is a cycle
    index, low, on_stack, stack, cycles, counter = {}, {}, set(), [], [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(cycle) for cycle in cycles)


def test_no_module_takes_a_private_name_from_another():
    """`from module import _name` across modules (ours or the tests'): what another module needs is
    public in the module that owns it."""
    offences = []
    for path in sorted([*sources().values(), *(REPO / "tests").rglob("*.py"), *(REPO / "bench").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                ours = (node.module or "").split(".")[0] in (*PACKAGES, "tests") or node.level
                offences += [
                    f"{path.relative_to(REPO)}: from {node.module} import {alias.name}"
                    for alias in node.names
                    if ours and alias.name.startswith("_")
                ]
    assert not offences, "private names used across modules:\n" + "\n".join(offences)


def test_the_layout_test_sees_imports_of_every_kind(tmp_path):
    """The reader counts lazy, relative and `from package import module` imports (else the two
    tests above could pass on a graph with no edges)."""
    modules = sources()
    voices = imported(REPO / "film_assets/domain/sound/voices.py", modules)
    assert "film_assets.domain.sound.audio" in voices and "numpy" in voices
    panel = imported(REPO / "film_assets/domain/storyboard/panel.py", modules)
    assert "film_assets.domain.storyboard.palette" in panel  # from film_assets.domain.storyboard import palette
    backfills = imported(REPO / "film_assets/runs/backfills.py", modules)
    assert "film_assets.bindings.processes" in backfills  # imported inside a function
