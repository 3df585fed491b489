"""Device and dtype choice: CUDA, then Apple MPS, then CPU, and the precision that suits each; and
what a device is called, for the cost ledger.

torch is imported inside the functions: `device_name("cpu")` names the CPU for the CPU renderers
and animators, which must not load torch."""

from __future__ import annotations

import platform
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

DEVICES = ("cuda", "mps", "cpu")
PRECISIONS = {"fp16": "float16", "bf16": "bfloat16", "fp32": "float32"}  # torch dtype names


def _mps_available() -> bool:
    import torch

    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def device_available(device: str) -> bool:
    import torch

    if device == "cuda":
        return torch.cuda.is_available()
    if device == "mps":
        return _mps_available()
    return device == "cpu"


def pick_device(preferred: str | None = None) -> str:
    """Return "cuda", "mps" or "cpu": the fastest available, or `preferred` if it is available.

    Asking for a device that is not there is an error rather than a silent fall-back to CPU: a
    render that was meant for a GPU would otherwise take hours without saying why.
    """
    if preferred:
        name = preferred.lower()
        if name not in DEVICES:
            raise ValueError(f"unknown device {preferred!r}: choose one of {', '.join(DEVICES)}")
        if not device_available(name):
            available = [d for d in DEVICES if device_available(d)]
            raise RuntimeError(
                f"device {name!r} was asked for but is not available on this machine "
                f"(available: {', '.join(available)}); change the device setting or leave it unset "
                f"to pick automatically"
            )
        return name
    return next(d for d in DEVICES if device_available(d))


def pick_dtype(device: str, precision: str = "auto") -> torch.dtype:
    """The torch dtype for `device` at `precision` ("auto", "fp16", "bf16" or "fp32").

    auto: bf16 on CUDA cards that support it (same range as fp32, so no overflow to NaN/black
    images), else fp16 on CUDA and MPS (half the memory, tensor cores), and fp32 on CPU where half
    precision is slow or unsupported for many kernels.
    """
    import torch

    precision = (precision or "auto").lower()
    if precision != "auto":
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}: choose auto, {', '.join(PRECISIONS)}")
        return getattr(torch, PRECISIONS[precision])
    kind = torch.device(device).type
    if kind == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if kind == "mps":
        return torch.float16
    return torch.float32


@cache
def device_name(device: str) -> str:
    """What did the work, as the cost ledger names it: the card for CUDA ("NVIDIA A10G"), the Mac
    for MPS, the processor's model name for the CPU ("cpu" where the system does not say)."""
    kind = device.split(":")[0].lower()
    if kind == "cuda":
        import torch

        return torch.cuda.get_device_name(torch.device(device))
    if kind == "mps":
        return f"Apple {platform.machine()} GPU (MPS)"
    return _cpu_model_name() or platform.processor() or "cpu"


def _cpu_model_name() -> str | None:
    try:
        lines = Path("/proc/cpuinfo").read_text(errors="replace").splitlines()
    except OSError:  # not Linux
        return None
    names = (line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("model name"))
    return next((name for name in names if name), None)
