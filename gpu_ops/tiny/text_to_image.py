"""A tiny, randomly initialised Stable Diffusion pipeline built fully offline (a helper, not a test).

The tests and bench/diffusion_bench.py need a real diffusers pipeline on disk to exercise the real
loading code, but may not download weights. This builds one from configs alone, modelled on
diffusers' own `get_dummy_components` test fixtures: a two-level UNet and VAE, a 2-layer CLIP text
encoder and a byte-level CLIP tokenizer whose vocabulary we write ourselves. It weighs about 5 MB
and builds in a second or two. Its images are noise, but shaped, seeded and batched like real ones.
"""

from __future__ import annotations

from pathlib import Path

BOS, EOS = "<|startoftext|>", "<|endoftext|>"


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP's reversible byte -> printable character table (same algorithm as CLIP's)."""
    printable = (
        list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    )
    chars, extra = printable[:], 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {byte: chr(char) for byte, char in zip(printable, chars)}


def tiny_clip_vocab() -> dict[str, int]:
    """Every byte as a token, alone and as a word ending ("</w>"), plus the two special tokens.

    With no merges the BPE spells each word byte by byte, so any text tokenizes without an unknown
    token: enough for a text encoder that only has to be deterministic, not meaningful.
    """
    symbols = list(_bytes_to_unicode().values())
    tokens = symbols + [s + "</w>" for s in symbols] + [BOS, EOS]
    return {token: index for index, token in enumerate(tokens)}


def build_tiny_text_to_image(folder: Path) -> Path:
    """Build the tiny pipeline and save it with save_pretrained into `folder`; return `folder`."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    folder = Path(folder)
    vocab = tiny_clip_vocab()
    # Seed before each component so the weights are the same on every build and machine.
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        sample_size=32,  # latent side; the VAE halves once, so the default image is 64x64
        in_channels=4,
        out_channels=4,
        block_out_channels=(32, 64),
        layers_per_block=1,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=8,
        norm_num_groups=32,
    )
    torch.manual_seed(0)
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        block_out_channels=(32, 64),
        layers_per_block=1,
        norm_num_groups=32,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        sample_size=64,
    )
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=len(vocab),
            max_position_embeddings=77,
            layer_norm_eps=1e-5,
            bos_token_id=vocab[BOS],
            eos_token_id=vocab[EOS],
            pad_token_id=vocab[EOS],
        )
    )
    # transformers 5's CLIPTokenizer (tokenizers backend) takes the vocab dict and merges list
    # directly; no vocab.json/merges.txt files or downloads needed.
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        num_train_timesteps=1000,
        steps_offset=1,
    )
    pipe = StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(folder)
    return folder
