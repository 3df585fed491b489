"""Every take says what it cost, and the ledger adds it up: real renders through the CLI as a real
process (storyboard frames and ffmpeg encodes), read back from the version records they wrote."""

from __future__ import annotations

import pytest

from film_assets.review.ledger import project_cost_total, project_costs, take_cost
from film_assets.storage.shot_versions import ShotVersions
from resources.media_store import LocalMediaStore
from resources.renderer import measured_cost
from tests.support.ledger_film import PROJECT, cli_json, render_two_scenes

SECONDS = ("cpu_s", "gpu_s", "wall_s")


def _store(film_home) -> LocalMediaStore:
    return LocalMediaStore(root=str(film_home / "media"))


def _sums(rows: list[dict]) -> dict:
    return {name: sum(row[name] for row in rows) for name in SECONDS}


@pytest.mark.slow  # renders a (tiny) film
def test_every_take_records_its_cost_and_the_totals_are_the_sums_of_the_rows(run_cli, film_home, tmp_path):
    rendered = render_two_scenes(run_cli, tmp_path)
    records = [record for versions in ShotVersions(_store(film_home), PROJECT).all().values() for record in versions]
    assert len(records) == rendered["shots"]
    for record in records:
        for part, model in (("keyframe", "storyboard v1"), ("clip", "camera_move v1")):
            cost = record[part]["cost"]
            assert cost["wall_s"] > 0 and (cost["device"], cost["model"]) == ("cpu", model), (record["code"], part)
            assert (cost["steps"], cost["batch_size"]) == (None, 1) and cost["device_name"]

    costs = project_costs(_store(film_home), PROJECT)
    takes, shots, scenes, total = costs["takes"], costs["shots"], costs["scenes"], costs["total"]
    assert all(take["measured"] and take["gpu_s"] == 0 for take in takes)
    for shot in shots:
        assert _sums([t for t in takes if t["code"] == shot["code"]]) == pytest.approx({n: shot[n] for n in SECONDS})
    assert [(scene["scene"], scene["heading"], scene["shots"]) for scene in scenes] == [
        ("SQ010", "INT. DINER - NIGHT", sum(shot["scene"] == "SQ010" for shot in shots)),
        ("SQ020", "EXT. STREET - NIGHT", sum(shot["scene"] == "SQ020" for shot in shots)),
    ]
    for scene in scenes:
        in_scene = [shot for shot in shots if shot["scene"] == scene["scene"]]
        assert _sums(in_scene) == pytest.approx({n: scene[n] for n in SECONDS})
    totals = {n: total[n] for n in SECONDS}
    assert _sums(takes) == pytest.approx(totals) and _sums(scenes) == pytest.approx(totals)
    assert (total["shots"], total["takes"], total["measured_takes"], total["unmeasured_takes"]) == (
        rendered["shots"],
        rendered["shots"],
        rendered["shots"],
        0,
    )
    assert project_cost_total(_store(film_home), PROJECT) == {k: v for k, v in total.items() if k != "shots"}


@pytest.mark.slow  # renders a (tiny) film
def test_a_rerender_that_reuses_every_take_costs_nothing_and_a_forced_take_costs_its_own(run_cli, film_home, tmp_path):
    rendered = render_two_scenes(run_cli, tmp_path)
    before = project_costs(_store(film_home), PROJECT)

    again = cli_json(run_cli, "rerender", PROJECT)
    assert (again["shots_rendered"], again["shots_reused"]) == (0, rendered["shots"])
    assert project_costs(_store(film_home), PROJECT) == before

    shot = before["shots"][0]["code"]
    forced = cli_json(run_cli, "rerender", PROJECT, "--shots", shot)
    assert forced["shots_rendered"] == 1
    after = project_costs(_store(film_home), PROJECT)
    [new_take] = [take for take in after["takes"] if take not in before["takes"]]
    assert (new_take["code"], new_take["version"], new_take["reason"]) == (shot, "v002", "forced")
    assert new_take["wall_s"] > 0 and new_take["keyframe"] and new_take["clip"]
    assert after["total"]["takes"] == before["total"]["takes"] + 1
    assert after["total"]["wall_s"] == pytest.approx(before["total"]["wall_s"] + new_take["wall_s"])


def test_a_take_that_reuses_a_keyframe_pays_for_its_clip_only_and_old_takes_are_unmeasured(tmp_path):
    """v001 was made before the ledger (no costs); v002 is a new move over v001's keyframe; another
    shot's keyframe was made on a GPU."""
    store = LocalMediaStore(root=str(tmp_path))
    versions = ShotVersions(store, "film", run_id="run-1")
    legacy = versions.add_keyframe("SQ010_SH010", b"png", {"shot_key": "k1", "sha256": "s"}, "new")
    target, key = versions.clip_target(legacy, "move-a")
    store.put_bytes(key, b"clip a")
    versions.complete_clip(target, {"key": key, "shot_key": "move-a"}, "new")
    target, key = versions.clip_target(versions.record("SQ010_SH010", "v001"), "move-b")
    store.put_bytes(key, b"clip b")
    clip_cost = measured_cost(2.0, "cpu", "camera_move v1")
    reused = versions.complete_clip(target, {"key": key, "shot_key": "move-b", "cost": clip_cost}, "changed")

    gpu_frame = {
        "wall_s": 3.0,
        "device": "cuda",
        "device_name": "NVIDIA A10G",
        "model": "tiny-sd",
        "steps": 2,
        "batch_size": 4,
    }
    generated = versions.add_keyframe(
        "SQ020_SH010", b"png", {"shot_key": "k2", "sha256": "t", "cost": gpu_frame}, "new"
    )
    target, key = versions.clip_target(generated, "move-c")
    store.put_bytes(key, b"clip c")
    versions.complete_clip(target, {"key": key, "shot_key": "move-c", "cost": clip_cost}, "new")

    assert take_cost(legacy) is None
    assert take_cost(reused) == {"cpu_s": 2.0, "gpu_s": 0.0, "wall_s": 2.0, "keyframe": None, "clip": clip_cost}
    costs = project_costs(store, "film")
    assert [(t["code"], t["version"], t["measured"], t["wall_s"]) for t in costs["takes"]] == [
        ("SQ010_SH010", "v001", False, 0.0),
        ("SQ010_SH010", "v002", True, 2.0),
        ("SQ020_SH010", "v001", True, 5.0),
    ]
    first, second = costs["shots"]
    assert (first["takes"], first["unmeasured_takes"], first["newest_measured"]["version"]) == (2, 1, "v002")
    assert [scene["heading"] for scene in costs["scenes"]] == [None, None]  # no shot list stored
    assert costs["total"] == {
        "shots": 2,
        "cpu_s": 4.0,
        "gpu_s": 3.0,
        "wall_s": 7.0,
        "takes": 3,
        "measured_takes": 2,
        "unmeasured_takes": 1,
    }
