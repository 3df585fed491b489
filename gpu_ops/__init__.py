"""Heavy model code, free of Dagster: plain functions and classes, testable alone.

Coming with the gpu_ops issue: diffusers text-to-image (and image-to-video, text-to-music)
pipelines loaded from a hub id or a local path, device and dtype choice (CUDA, MPS, CPU),
batching, and one cached pipeline per process. Nothing lives here yet; CPU-only installs never
import torch.
"""
