"""A tiny, randomly initialised MusicGen built fully offline (a helper, not a test).

The music tests need a real transformers text-to-music model on disk to exercise the real loading
and generation code, but may not download weights. This builds MusicgenForConditionalGeneration
from configs alone, modelled on transformers' own Musicgen test fixtures: a 2-layer T5 text
encoder, a small EnCodec audio codec and a 2-layer MusicGen decoder over 4 codebooks, plus a
word-level tokenizer whose vocabulary we write ourselves. It weighs well under 1 MB and builds in
about a second. Its music is noise, but shaped, seeded and timed like real output.
"""

from __future__ import annotations

from pathlib import Path

PAD, EOS, UNK = "<pad>", "</s>", "<unk>"
# A handful of words prompts are likely to use; anything else becomes <unk>, which is fine for a
# text encoder that only has to be deterministic, not meaningful.
WORDS = (
    "a",
    "an",
    "the",
    "and",
    "of",
    "with",
    "in",
    "slow",
    "fast",
    "sad",
    "happy",
    "tense",
    "calm",
    "piano",
    "strings",
    "drums",
    "synth",
    "guitar",
    "ambient",
    "score",
    "music",
    "dark",
    "bright",
    "minor",
    "major",
    "night",
    "rain",
    "chase",
    "love",
    "theme",
)
SAMPLING_RATE = 16_000
UPSAMPLING_RATIOS = (8, 5, 4, 2)  # hop of 320 samples: 50 codec frames per second


def tiny_vocab() -> dict[str, int]:
    """Special tokens first, at the ids T5 expects (pad 0, eos 1, unk 2), then the words."""
    return {token: index for index, token in enumerate((PAD, EOS, UNK) + WORDS)}


def build_tiny_tokenizer():
    """A fast word-level tokenizer that appends </s> like T5's, built without any download."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = tiny_vocab()
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.post_processor = processors.TemplateProcessing(
        single=f"$A {EOS}", pair=f"$A {EOS} $B {EOS}", special_tokens=[(EOS, vocab[EOS])]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token=PAD, eos_token=EOS, unk_token=UNK, model_max_length=64
    )


def build_tiny_text_to_music(folder: Path) -> Path:
    """Build the tiny model and tokenizer, save both into `folder`; return it."""
    import torch
    from transformers import (
        EncodecConfig,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        T5Config,
    )

    folder = Path(folder)
    vocab = tiny_vocab()
    codebook_size, codebooks = 64, 4
    text_encoder = T5Config(
        vocab_size=len(vocab),
        d_model=16,
        d_kv=4,
        d_ff=32,
        num_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        pad_token_id=vocab[PAD],
        eos_token_id=vocab[EOS],
        decoder_start_token_id=vocab[PAD],
    )
    audio_encoder = EncodecConfig(
        sampling_rate=SAMPLING_RATE,
        audio_channels=1,
        hidden_size=16,
        num_filters=4,
        upsampling_ratios=list(UPSAMPLING_RATIOS),
        num_residual_layers=1,
        compress=2,
        num_lstm_layers=1,
        codebook_size=codebook_size,
        codebook_dim=16,
        target_bandwidths=[1.2],  # 50 frames/s * 6 bits * 4 quantizers = the decoder's 4 codebooks
    )
    # The decoder predicts codebook_size codes plus one pad/start id just past the codebook.
    decoder = MusicgenDecoderConfig(
        vocab_size=codebook_size,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=4,
        ffn_dim=32,
        num_codebooks=codebooks,
        audio_channels=1,
        max_position_embeddings=512,
        pad_token_id=codebook_size,
        bos_token_id=codebook_size,
    )
    config = MusicgenConfig(text_encoder=text_encoder, audio_encoder=audio_encoder, decoder=decoder)
    torch.manual_seed(0)  # the same weights on every build and machine
    model = MusicgenForConditionalGeneration(config).eval()
    # EnCodec starts its codebooks at zero (real ones are learnt), which would decode every code to
    # the same sound and make different seeds indistinguishable: give each code its own vector.
    with torch.no_grad():
        for layer in model.audio_encoder.quantizer.layers:
            layer.codebook.embed.copy_(torch.randn_like(layer.codebook.embed))
            layer.codebook.embed_avg.copy_(layer.codebook.embed)
    # generate() reads its defaults from the generation config: start/pad ids, sampling on.
    generation = model.generation_config
    generation.decoder_start_token_id = generation.pad_token_id = codebook_size
    generation.bos_token_id = codebook_size
    generation.do_sample, generation.guidance_scale, generation.max_length = True, None, 512
    model.save_pretrained(folder)
    build_tiny_tokenizer().save_pretrained(folder)
    return folder
