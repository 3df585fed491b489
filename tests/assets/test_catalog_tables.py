"""The catalog's tables read at a glance: take and status first, hashes short and last, long text
cut with "…", and the dialogue each shot covers in the shot table."""

from __future__ import annotations

import json

import pytest
from dagster import AssetKey, AssetRecordsFilter, DagsterInstance

from film_assets.assets.catalog import KEY_CHARS, TABLE_TEXT_CHARS, short_key, shortened
from tests.conftest import EXAMPLES


def test_long_text_is_cut_at_a_word_with_an_ellipsis_and_short_text_is_kept():
    prompt = "storyboard frame, wide shot of a lighthouse on a cliff at night, rain, a lamp turning slowly"
    cut = shortened(prompt)
    assert cut.endswith("…") and len(cut) <= TABLE_TEXT_CHARS
    assert prompt.startswith(cut[:-1]) and not cut[:-1].endswith((" ", ","))
    assert shortened("a quiet street") == "a quiet street"
    assert shortened("two\n  lines") == "two lines"
    assert shortened("x" * 100, 10) == "x" * 9 + "…"  # one long word is cut inside it
    assert short_key("0123456789abcdef") == "0123456789"[:KEY_CHARS]


@pytest.mark.slow  # renders a short film
def test_shot_and_keyframe_tables_put_what_a_reviewer_scans_first(run_cli, film_home, tmp_path):
    rendered = run_cli(
        "render", str(EXAMPLES / "lighthouse.fountain"), "--out", str(tmp_path / "out"),
        "--width", "64", "--height", "64", "--fps", "8", "--json",
    )  # fmt: skip
    assert rendered.returncode == 0, rendered.stderr
    project = json.loads(rendered.stdout)["project"]
    instance = DagsterInstance.from_config(str(film_home / "dagster_home"))
    try:

        def latest_table(asset: str, name: str):
            [record] = instance.fetch_materializations(
                AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[project]), limit=1
            ).records
            table = record.asset_materialization.metadata[name]
            return [column.name for column in table.schema.columns], [row.data for row in table.records]

        columns, rows = latest_table("keyframes", "keyframe_table")
        assert columns[:3] == ["code", "version", "status"] and columns[-1] == "render_key"
        assert all(len(row["render_key"]) == KEY_CHARS and len(row["prompt"]) <= TABLE_TEXT_CHARS for row in rows)
        assert any(row["prompt"].endswith("…") for row in rows)  # storyboard prompts run long

        columns, rows = latest_table("shot_list", "shot_table")
        assert columns[:3] == ["code", "duration_s", "shot_type"] and "dialogue" in columns
        spoken = [row["dialogue"] for row in rows if row["dialogue"]]
        assert spoken and all(":" in line and len(line) <= TABLE_TEXT_CHARS for line in spoken)
        assert any(row["shot_type"] == "dialogue" and row["dialogue"] for row in rows)
    finally:
        instance.dispose()
