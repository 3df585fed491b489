"""A tiny, randomly initialised Stable Video Diffusion pipeline built fully offline (a helper).

The video tests need a real diffusers image-to-video pipeline on disk to exercise the real loading
code, but may not download weights. This builds one from configs alone, modelled on diffusers' own
`get_dummy_components` fixture for StableVideoDiffusionPipeline: a two-level spatio-temporal UNet,
a temporal-decoder VAE, a 2-layer CLIP vision encoder and an Euler scheduler set up the way SVD's
is (v-prediction, Karras sigmas). It weighs a few MB and builds in a second or two. Its clips are
noise, but shaped, seeded and timed like real ones.
"""

from __future__ import annotations

from pathlib import Path

FRAME_SIZE = 32  # default frame side: 16 latents, doubled by the VAE
# SVD always resizes a PIL conditioning image to 224x224 for CLIP (diffusers' own fixture passes a
# tensor and skips that), so the encoder takes 224 pixels, in 32-pixel patches to stay tiny.
CLIP_SIZE, CLIP_PATCH = 224, 32


def build_tiny_image_to_video(folder: Path) -> Path:
    """Build the tiny pipeline and save it with save_pretrained into `folder`; return `folder`."""
    import torch
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    folder = Path(folder)
    # Seed before each component so the weights are the same on every build and machine.
    torch.manual_seed(0)
    unet = UNetSpatioTemporalConditionModel(
        sample_size=16,  # latent side; the VAE halves once, so the default frame is 32x32
        in_channels=8,  # noisy latents + the conditioning image's latents, concatenated
        out_channels=4,
        block_out_channels=(32, 64),
        layers_per_block=1,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=32,
        num_attention_heads=(8, 16),
        # three added-time ids (fps, motion bucket, noise strength) x addition_time_embed_dim
        projection_class_embeddings_input_dim=3 * 32,
        addition_time_embed_dim=32,
    )
    torch.manual_seed(0)
    vae = AutoencoderKLTemporalDecoder(
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        block_out_channels=(32, 64),
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        layers_per_block=1,
        sample_size=FRAME_SIZE,
    )
    torch.manual_seed(0)
    image_encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=32,
            projection_dim=32,
            num_hidden_layers=2,
            num_attention_heads=4,
            image_size=CLIP_SIZE,
            intermediate_size=37,
            patch_size=CLIP_PATCH,
        )
    )
    feature_extractor = CLIPImageProcessor(crop_size=FRAME_SIZE, size=FRAME_SIZE)
    scheduler = EulerDiscreteScheduler(  # SVD's own scheduler settings
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        interpolation_type="linear",
        num_train_timesteps=1000,
        prediction_type="v_prediction",
        sigma_max=700.0,
        sigma_min=0.002,
        steps_offset=1,
        timestep_spacing="leading",
        timestep_type="continuous",
        use_karras_sigmas=True,
    )
    pipe = StableVideoDiffusionPipeline(
        vae=vae,
        image_encoder=image_encoder,
        unet=unet,
        scheduler=scheduler,
        feature_extractor=feature_extractor,
    )
    pipe.save_pretrained(folder)
    return folder
