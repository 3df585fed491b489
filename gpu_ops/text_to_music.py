"""Text-to-music: a cue's description to seeded audio with MusicGen through transformers.

`load_text_to_music` goes through the same cached, offline-aware loader as the diffusers models
(gpu_ops.pipelines): one model per process, the same ModelLoadError messages. It returns a
MusicModel bundle: the MusicgenForConditionalGeneration model, the tokenizer saved beside it, and
the audio facts generation needs (sampling rate, codec frame rate, channels).

`generate_music` samples audio codes autoregressively and decodes them with the EnCodec codec.
Sampling draws from torch's global generator, so the seed is set right before generate; the
caller's global random state is saved and restored around it, so seeding one cue does not change
the randomness of anything else in the process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from gpu_ops.errors import ModelOutOfMemory
from gpu_ops.pipelines import load_cached, resolve_local
from gpu_ops.text_to_image import is_out_of_memory

SETTING = "composer"  # the configuration block named in error messages: composer.model, ...


@dataclass
class MusicModel:
    """A loaded text-to-music model with what generation needs to know about its audio."""

    model: object  # MusicgenForConditionalGeneration, on its device, in eval mode
    tokenizer: object
    name: str
    sampling_rate: int  # samples per second of the decoded audio
    frame_rate: float  # audio-codec frames (decoder steps) per second
    channels: int  # 1 mono, 2 stereo
    codebooks_per_channel: int  # the delay pattern costs this many steps minus one
    max_positions: int  # the decoder cannot generate more steps than this

    @property
    def device(self) -> torch.device:
        return self.model.device


def _load(source: str, *, revision, local_files_only: bool, dtype):
    from transformers import AutoTokenizer, MusicgenForConditionalGeneration

    model = MusicgenForConditionalGeneration.from_pretrained(
        source, revision=revision, local_files_only=local_files_only, dtype=dtype
    )
    tokenizer = AutoTokenizer.from_pretrained(source, revision=revision, local_files_only=local_files_only)
    return model, tokenizer


def _prepare(loaded, device: str) -> MusicModel:
    model, tokenizer = loaded
    model = model.to(device).eval()
    decoder = model.config.decoder
    channels = int(decoder.audio_channels)
    return MusicModel(
        model=model,
        tokenizer=tokenizer,
        name=str(model.config._name_or_path),
        sampling_rate=int(model.config.audio_encoder.sampling_rate),
        frame_rate=float(model.config.audio_encoder.frame_rate),
        channels=channels,
        codebooks_per_channel=int(decoder.num_codebooks) // channels,
        max_positions=int(decoder.max_position_embeddings),
    )


def load_text_to_music(
    model: str, *, revision: str | None = None, device: str, dtype: torch.dtype, setting: str = SETTING
) -> MusicModel:
    """The MusicGen model and tokenizer for these settings, loaded once per process.

    `model` is a hub id (e.g. facebook/musicgen-small) or a local folder where both the model and
    its tokenizer were written with save_pretrained; `setting` names the configuration block in
    error messages.
    """
    local = resolve_local(model, setting)
    return load_cached(
        "text-to-music",
        model,
        local,
        revision=revision,
        device=device,
        dtype=dtype,
        load=_load,
        prepare=_prepare,
        setting=setting,
        layout="with config.json and the tokenizer files",
    )


def music_steps(bundle: MusicModel, seconds: float) -> tuple[int, int]:
    """(codec frames for `seconds`, decoder steps to generate them).

    MusicGen's delay pattern offsets codebook k by k steps, so the last codebook starts
    `codebooks_per_channel - 1` steps late and that many extra steps are needed; the start token
    takes one position of the decoder's context.
    """
    frames = max(1, math.ceil(seconds * bundle.frame_rate))
    return frames, frames + bundle.codebooks_per_channel - 1


def generate_music(model_bundle: MusicModel, prompt: str, seed: int, *, seconds: float) -> tuple[np.ndarray, int]:
    """`seconds` of music for `prompt` as (float32 samples, sampling rate); same seed, same audio.

    Mono comes back as shape (n,), stereo as (n, 2), with n = round(seconds * sampling rate).
    """
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    bundle = model_bundle
    frames, steps = music_steps(bundle, seconds)
    if steps + 1 > bundle.max_positions:
        longest = (bundle.max_positions - bundle.codebooks_per_channel) / bundle.frame_rate
        raise ValueError(
            f"model {bundle.name!r} generates at most {longest:.1f} s at a time, "
            f"{seconds} s were asked for: split the cue into shorter pieces"
        )
    inputs = bundle.tokenizer([prompt], return_tensors="pt", padding=True)
    inputs = {key: value.to(bundle.device) for key, value in inputs.items() if key in ("input_ids", "attention_mask")}
    cuda = [bundle.device.index or 0] if bundle.device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=cuda), torch.inference_mode():
            torch.manual_seed(int(seed))
            audio = bundle.model.generate(**inputs, do_sample=True, max_new_tokens=steps)
    except RuntimeError as error:  # torch.OutOfMemoryError is a RuntimeError
        if not is_out_of_memory(error):
            raise
        raise ModelOutOfMemory(
            bundle.name,
            (
                f"model {bundle.name!r} ran out of memory on {bundle.device} generating {seconds} s "
                f"of music: generate shorter cues, use a lower precision (fp16 or bf16), a smaller "
                f"model, or a device with more memory"
            ),
        ) from error
    # (batch, channels, samples) -> mono (n,) or stereo (n, 2), cut to exactly `seconds`
    samples = audio[0].float().cpu().numpy().T
    wanted = round(seconds * bundle.sampling_rate)
    samples = samples[:wanted]
    if bundle.channels == 1:
        samples = samples[:, 0]
    return np.ascontiguousarray(samples, dtype=np.float32), bundle.sampling_rate
