"""The checks every model-backed resource makes before a run starts, without loading a model:
the gpu extra is installed, and a model named as a local folder exists."""

from __future__ import annotations

import importlib.util
from pathlib import Path

GPU_EXTRA_HINT = "needs the gpu extra: pip install torch==2.13.0 (CPU) or a CUDA build, then pip install -e '.[gpu]'"


def require_gpu_extra(what: str, packages: tuple[str, ...]) -> None:
    missing = [name for name in packages if importlib.util.find_spec(name) is None]
    if missing:
        raise ValueError(f"the {what} {GPU_EXTRA_HINT} (missing: {', '.join(missing)})")


def require_local_model(model: str, label: str, setting: str) -> None:
    """A hub id is "org/name"; anything rooted or deeper is a local folder, which must exist."""
    looks_like_path = model.startswith(("/", ".", "~")) or model.count("/") > 1
    if looks_like_path and not Path(model).expanduser().is_dir():
        raise ValueError(
            f"{label} path {model} does not exist or is not a folder made with save_pretrained ({setting})"
        )
