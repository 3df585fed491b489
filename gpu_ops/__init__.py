"""Heavy model code, free of Dagster: plain functions and classes, testable alone.

- gpu_ops.device: pick_device (CUDA, then MPS, then CPU) and pick_dtype (bf16/fp16/fp32).
- gpu_ops.pipelines: load_text_to_image, a diffusers text-to-image pipeline from a hub id or a
  local save_pretrained folder, with SDPA attention, optional scheduler swap and torch.compile,
  kept once per process; model_identity, which weights made an image.
- gpu_ops.text_to_image: generate_images, seeded and batched rendering that halves the batch on
  out-of-memory.
- gpu_ops.image_to_video: load_image_to_video (Stable Video Diffusion) and generate_clip, a seeded
  clip of frames from one keyframe, loaded through the same cached loader.
- gpu_ops.text_to_music: load_text_to_music (MusicGen through transformers) and generate_music,
  seeded audio of a requested length, loaded through the same cached loader.
- gpu_ops.errors: ModelLoadError and ModelOutOfMemory, naming the model and the setting to change.

Importing the package imports nothing heavy (CPU-only installs never import torch): import the
submodules you need. gpu_ops.errors is torch-free too.
"""
