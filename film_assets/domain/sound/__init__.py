"""Sound: audio conventions, voices, the procedural score, the mix and loudness."""
