"""Loading model pipelines from a hub id or a local folder, once per process, through one loader.

`load_text_to_image` returns a ready diffusers pipeline (on its device, explicit SDPA attention,
optional scheduler swap and torch.compile, no progress bars). gpu_ops.image_to_video and
gpu_ops.text_to_music load their models through the same private `load_cached`, so every kind
gets the same caching, offline handling, error messages and dtype/device placement.

Loading takes seconds to minutes and the weights take gigabytes of device memory, so the process
keeps the last model it loaded and hands the same object back for the same settings; asking for
different settings (or another kind of model) drops the old one first, so two models never sit in
GPU memory at once.

`model_identity` says which weights made an image, clip or score, for provenance and cache keys.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path

import torch

from gpu_ops.errors import ModelLoadError

# A few schedulers that work with Stable-Diffusion-style pipelines, quoted in error messages.
KNOWN_SCHEDULERS = (
    "EulerDiscreteScheduler",
    "EulerAncestralDiscreteScheduler",
    "DPMSolverMultistepScheduler",
    "DDIMScheduler",
    "PNDMScheduler",
    "UniPCMultistepScheduler",
)
WEIGHT_SUFFIXES = (".safetensors", ".bin")
HASH_CHUNK = 1 << 20  # 1 MiB read from each end of a weight file by model_identity

_cache: dict[tuple, object] = {}  # at most one entry: see module docstring
_cache_lock = threading.Lock()


# A hub id is "owner/name": one slash, so on POSIX os.sep alone cannot tell it from a path.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def _looks_like_path(model: str) -> bool:
    if model.startswith(("/", ".", "~")):
        return True
    separators = {os.sep, os.altsep} - {None}
    return any(sep in model for sep in separators) and not _HUB_ID.match(model)


def _env_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def resolve_local(model: str, setting: str = "renderer") -> Path | None:
    """The folder `model` names, None for a hub id; a path that does not exist is an error.

    `setting` is the configuration block the user edits ("renderer", "composer", ...): error
    messages name `<setting>.model` so the user knows which value to change.
    """
    if os.path.isdir(os.path.expanduser(model)):
        return Path(os.path.expanduser(model)).resolve()
    if _looks_like_path(model):
        raise ModelLoadError(
            model,
            f"model path {model!r} does not exist ({setting}.model): point "
            f"{setting}.model at a folder written by save_pretrained",
        )
    return None


def _scheduler_class(name: str, model: str):
    """The diffusers scheduler class called `name`, checked before any weights are loaded."""
    import diffusers

    cls = getattr(diffusers, name, None) if name.endswith("Scheduler") else None
    if cls is None or not hasattr(cls, "from_config"):
        raise ModelLoadError(
            model,
            f"unknown scheduler {name!r} for model {model!r} "
            f"(renderer.scheduler): use a diffusers scheduler class name "
            f"such as {', '.join(KNOWN_SCHEDULERS)}",
        )
    return cls


def _dtype_keyword() -> str:
    """Newer diffusers call the argument `dtype` and warn on `torch_dtype`; older ones only know
    `torch_dtype`."""
    try:
        from diffusers.utils import deprecation_utils
    except ImportError:
        return "torch_dtype"
    return "dtype" if hasattr(deprecation_utils, "_resolve_dtype") else "torch_dtype"


def _from_pretrained(
    load, model: str, local: Path | None, revision: str | None, dtype: torch.dtype, *, setting: str, layout: str
):
    """Call `load(source, revision=, local_files_only=, dtype=)`, turning its failures into
    ModelLoadError. `layout` says what a good folder holds, e.g. "with model_index.json"."""
    offline = local is not None or _env_offline()
    try:
        return load(str(local) if local else model, revision=revision, local_files_only=offline, dtype=dtype)
    except (OSError, ValueError) as error:  # OSError covers EnvironmentError and hub lookups
        if local is not None:
            hint = f"it must be a folder written by save_pretrained, {layout} ({setting}.model)"
            raise ModelLoadError(model, f"model folder {model!r} could not be loaded: {error}; {hint}") from error
        if offline:
            raise ModelLoadError(
                model,
                (
                    f"model {model!r} could not be loaded offline (HF_HUB_OFFLINE is set and it is not "
                    f"in the local cache): {error}; set {setting}.model to a local folder made with "
                    f"save_pretrained, or unset HF_HUB_OFFLINE"
                ),
            ) from error
        raise ModelLoadError(
            model,
            (
                f"model {model!r} (revision {revision or 'main'}) could not be loaded from the Hugging "
                f"Face Hub: {error}; check {setting}.model and {setting}.revision, your network and "
                f"HF_TOKEN for gated models"
            ),
        ) from error


def load_cached(
    kind: str,
    model: str,
    local: Path | None,
    *,
    revision: str | None,
    device: str,
    dtype: torch.dtype,
    load,
    prepare=None,
    options: tuple = (),
    setting: str = "renderer",
    layout: str = "with model_index.json",
):
    """The one loader every kind of model goes through: cached per process, offline-aware.

    `load(source, revision=, local_files_only=, dtype=)` reads the weights; `prepare(loaded,
    device)` places them on `device` and returns what callers get (the cached object). `options`
    are the other settings that make a different object, part of the cache key with `kind`.
    """
    key = (kind, str(local) if local else model, revision, device, dtype, *options)
    with _cache_lock:  # held while loading so two threads never load the same weights twice
        if key in _cache:
            return _cache[key]
        _cache.clear()  # release the previous model before allocating the next one
        if device == "cuda":
            torch.cuda.empty_cache()
        loaded = _from_pretrained(load, model, local, revision, dtype, setting=setting, layout=layout)
        loaded = prepare(loaded, device) if prepare else loaded.to(device)
        _cache[key] = loaded
        return loaded


def diffusers_loader(pipeline_class: str):
    """A `load` for `load_cached` reading a diffusers pipeline class (by name, imported late)."""

    def load(source: str, *, revision, local_files_only: bool, dtype):
        import diffusers

        return getattr(diffusers, pipeline_class).from_pretrained(
            source, revision=revision, local_files_only=local_files_only, **{_dtype_keyword(): dtype}
        )

    return load


def _prepare_text_to_image(pipe, device: str, scheduler_cls, compile_unet: bool):
    pipe = pipe.to(device)
    denoiser = getattr(pipe, "unet", None)
    if denoiser is not None:
        # Explicit rather than relying on the default: PyTorch's fused scaled-dot-product
        # attention (flash / memory-efficient kernels) instead of the naive matmul version.
        from diffusers.models.attention_processor import AttnProcessor2_0

        denoiser.set_attn_processor(AttnProcessor2_0())
    if scheduler_cls is not None:
        pipe.scheduler = scheduler_cls.from_config(pipe.scheduler.config)
    if compile_unet and denoiser is not None:
        # reduce-overhead = CUDA graphs: pays off on repeated same-shape calls, i.e. many shots.
        pipe.unet = torch.compile(denoiser, mode="reduce-overhead")
    pipe.set_progress_bar_config(disable=True)
    return pipe


def load_text_to_image(
    model: str,
    *,
    revision: str | None = None,
    device: str,
    dtype: torch.dtype,
    scheduler: str | None = None,
    compile_unet: bool = False,
):
    """The text-to-image pipeline for these settings, loaded once per process and then reused."""
    local = resolve_local(model)
    scheduler_cls = _scheduler_class(scheduler, model) if scheduler else None
    return load_cached(
        "text-to-image",
        model,
        local,
        revision=revision,
        device=device,
        dtype=dtype,
        load=diffusers_loader("AutoPipelineForText2Image"),
        options=(scheduler, compile_unet),
        prepare=lambda pipe, dev: _prepare_text_to_image(pipe, dev, scheduler_cls, compile_unet),
    )


def clear_pipeline_cache() -> None:
    """Forget the cached pipeline or model (its memory is freed once no caller holds it)."""
    with _cache_lock:
        _cache.clear()


def _hash_weight_file(digest, path: Path, root: Path) -> None:
    size = path.stat().st_size
    digest.update(f"{path.relative_to(root).as_posix()}\0{size}\0".encode())
    with path.open("rb") as handle:
        digest.update(handle.read(HASH_CHUNK))
        if size > HASH_CHUNK:
            handle.seek(max(HASH_CHUNK, size - HASH_CHUNK))
            digest.update(handle.read(HASH_CHUNK))


def model_identity(model: str, revision: str | None = None, *, setting: str = "renderer") -> dict:
    """Which weights `model` means: a hub id and revision, or a hash of a local folder's weights.

    For a local folder the sha256 covers every *.safetensors and *.bin file below it, in sorted
    order: each file's relative name, its size, and the first and last 1 MiB of its content.
    Reading whole multi-gigabyte checkpoints would take seconds per call; names + sizes + both ends
    (safetensors keep their tensor index in the header) catch re-saved, retrained, re-quantised or
    truncated weights in practice, though not an edit confined to the middle of a large file.
    """
    local = resolve_local(model, setting)
    if local is None:
        return {"model": model, "revision": revision or "main"}
    digest = hashlib.sha256()
    files = sorted(
        (p for p in local.rglob("*") if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES)),
        key=lambda p: p.relative_to(local).as_posix(),
    )
    for path in files:
        _hash_weight_file(digest, path, local)
    return {"model": model, "revision": None, "weights_sha256": digest.hexdigest()}
