"""The review loop on a laptop, through `filmstudio` as a real process against the local SQLite
review database: reviews are appended and kept, the cut follows approvals (without rendering a
shot when only approvals change), outdated approvals are reported and never used, pins hold."""

from __future__ import annotations

import json
import sqlite3

import opentimelineio as otio
import pytest

from tests.support.api_helpers import TINY_FILM
from tests.support.ui import render_tiny

pytestmark = pytest.mark.slow  # each test renders a small film (a few seconds)

SCRIPT = TINY_FILM  # two lines of dialogue in one scene


def _json(run_cli, *args: str):
    done = run_cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _takes(run_cli, project: str) -> dict[str, dict]:
    return {shot["code"]: shot for shot in _json(run_cli, "takes", project)["shots"]}


def _review_rows(film_home) -> int:
    with sqlite3.connect(film_home / "review.sqlite3") as connection:
        return connection.execute("SELECT count(*) FROM filmstudio_reviews").fetchone()[0]


@pytest.fixture
def film(run_cli, tmp_path):
    script = tmp_path / "two-lines.fountain"
    script.write_text(SCRIPT)
    rendered = render_tiny(run_cli, tmp_path, script=script)
    return {"project": rendered["project"], "script": script, "out": tmp_path / "out"}


def test_reviews_are_kept_unknown_takes_refused_and_dailies_leave_out_the_reviewed(run_cli, film, film_home):
    project = film["project"]
    shots = _takes(run_cli, project)
    code = sorted(shots)[1]
    assert [take["state"] for shot in shots.values() for take in shot["takes"]] == ["pending"] * len(shots)

    changes = _json(run_cli, "review", project, code, "--changes", "warmer light", "--by", "Ada")
    approval = _json(run_cli, "review", project, code, "v001", "--approve", "--by", "Ben", "--note", "better")
    assert (changes["state"], changes["note"], changes["reviewer"]) == ("changes_requested", "warmer light", "Ada")
    assert approval["id"] > changes["id"]

    shot = _takes(run_cli, project)[code]
    [take] = shot["takes"]
    assert take["state"] == "approved"
    assert [(r["state"], r["reviewer"]) for r in take["reviews"]] == [("changes_requested", "Ada"), ("approved", "Ben")]
    assert (shot["cut_follows"], shot["source"]) == ("v001", "approved")

    # a review of an unknown project, shot or take exits 2 and writes nothing
    for args, words in (
        (("no-such-project", "SQ010_SH010"), "project 'no-such-project' has no shots yet"),
        ((project, "SQ990_SH010"), "has no shot 'SQ990_SH010'"),
        ((project, "SQ010_SH010", "v007"), "has no take 'v007' (its takes: v001)"),
    ):
        done = run_cli("review", *args, "--approve")
        assert done.returncode == 2 and words in done.stderr, done.stderr
    assert _review_rows(film_home) == 2

    _dailies_leave_out_the_reviewed_and_land_in_the_catalog(run_cli, film, film_home, reviewed=code)


def test_the_cut_follows_approvals_and_a_change_of_approvals_alone_renders_no_shot(run_cli, film):
    project, out = film["project"], str(film["out"])
    code = sorted(_takes(run_cli, project))[0]
    _json(run_cli, "review", project, code, "v001", "--approve", "--by", "Ada")
    forced = _json(run_cli, "rerender", project, "--shots", code, "--out", out)  # v002 from the same inputs
    assert forced["shots_rendered"] == 1
    shot = _takes(run_cli, project)[code]
    assert (shot["in_latest_cut"], shot["source"]) == ("v001", "approved")  # approved, still matching: kept

    _json(run_cli, "review", project, code, "v002", "--approve", "--by", "Ben")
    assert _takes(run_cli, project)[code]["in_latest_cut"] == "v001"  # until the cut is rebuilt
    recut = _json(run_cli, "rerender", project, "--out", out)
    assert recut["shots_rendered"] == 0 and recut["shots_reused"] == forced["shots"]
    shot = _takes(run_cli, project)[code]
    assert (shot["in_latest_cut"], shot["cut_follows"], shot["state"]) == ("v002", "v002", "approved")
    [clip] = [c for c in otio.adapters.read_from_file(recut["timeline"]).find_clips() if c.name == code]
    assert clip.metadata["film_assets"]["version"] == "v002"
    assert clip.metadata["film_assets"]["review_state"] == "approved"
    assert clip.metadata["film_assets"]["take_source"] == "approved"


def test_an_approval_whose_shot_changed_is_reported_outdated_and_not_used(run_cli, film, tmp_path):
    project = film["project"]
    codes = sorted(_takes(run_cli, project))  # the last shot holds OTTO's line
    _json(run_cli, "review", project, codes[-1], "--approve", "--by", "Ada")
    _json(run_cli, "review", project, codes[0], "--pin", "--by", "Ada")
    revised = tmp_path / "two-lines-r2.fountain"
    # a new last line (its words and timing change) and a new location (every prompt changes)
    revised.write_text(
        SCRIPT.replace("Then I have an hour.", "Then I have an hour and a half, at least.").replace(
            "DINER", "DINER KITCHEN"
        )
    )
    planned = _json(run_cli, "plan", str(revised), "--project", project)  # the plan says so before rendering
    assert planned["reviews_outdated"] == [
        {"code": codes[-1], "version": "v001", "kind": "approval", "reviewer": "Ada"}
    ]  # the pin of the first shot holds: its picture changes, its length does not
    rendered = render_tiny(run_cli, tmp_path, "--project", project, script=revised)
    shots = _takes(run_cli, project)
    last = shots[codes[-1]]
    [stale] = last["outdated"]
    assert (stale["kind"], stale["version"], stale["reviewer"]) == ("approval", "v001", "Ada")
    assert "timing" in stale["reason"] and "prompt" in stale["reason"]
    assert (last["source"], last["in_latest_cut"]) == ("newest", "v002")
    first = shots[codes[0]]  # pinned: its length still fits, so the new prompt does not replace it
    assert (first["source"], first["in_latest_cut"], first["outdated"]) == ("pinned", "v001", [])
    revisions = _json(run_cli, "revisions", project)
    assert [r["revision"] for r in revisions] == ["r001", "r002"]
    assert "+Then I have an hour and a half, at least." in revisions[1]["diff"]
    assert rendered["shots_rendered"] >= 1

    # the same text again, without the size flags: the project keeps its own size, so nothing is
    # rendered, and the same text is not a new revision
    again = _json(run_cli, "render", str(revised), "--project", project, "--out", str(tmp_path / "again"))
    assert (again["shots_rendered"], again["shots_reused"]) == (0, rendered["shots"])
    assert [r["revision"] for r in _json(run_cli, "revisions", project)] == ["r001", "r002"]


def _dailies_leave_out_the_reviewed_and_land_in_the_catalog(run_cli, film, film_home, reviewed: str):
    from dagster import AssetKey, DagsterInstance

    project = film["project"]
    codes = sorted(_takes(run_cli, project))
    reel = _json(run_cli, "dailies", project, "--unreviewed", "--out", str(film["out"] / "dailies"))
    assert [take["code"] for take in reel["takes"]] == [code for code in codes if code != reviewed]
    assert reel["frames"] == sum(t["frames"] for t in reel["takes"]) + sum(s["frames"] for s in reel["slates"])
    assert (film["out"] / "dailies" / f"dailies-{reel['reel']}.mp4").stat().st_size > 1000

    instance = DagsterInstance.from_config(str(film_home / "dagster_home"))
    try:
        run = instance.get_run_by_id(reel["run_id"])
        assert run.job_name == "make_dailies" and run.remote_job_origin is not None  # re-executable in the UI
        [record] = instance.fetch_materializations(AssetKey("dailies"), limit=1).records
        metadata = record.asset_materialization.metadata
        assert record.partition_key == project and metadata["takes"].value == len(codes) - 1
        assert "reel" in metadata and "contact_sheet" in metadata
    finally:
        instance.dispose()

    done = run_cli("dailies", project, "--since", "2100-01-01")
    assert done.returncode == 2 and "no takes to review" in done.stderr, done.stderr
