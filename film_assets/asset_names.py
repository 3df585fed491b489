"""The names of the assets of one film, in the order render_film materializes them: the one list
the API, the render requests, the CLI and the tests read (tests/assets/test_definitions.py checks it
against the Definitions). Plain strings, so `api/` imports it without loading Dagster."""

ASSET_NAMES = (
    "screenplay",
    "scenes",
    "dialogue_track",
    "shot_list",
    "keyframes",
    "shot_clips",
    "music_track",
    "audio_mix",
    "final_cut",
)
