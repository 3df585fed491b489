"""The cost ledger: what each take of a project cost to make, read from the shot versions alone.

A take (a shot version, v001, v002, …) records a `cost` on its keyframe and on its clip: the wall
seconds of that shot's share of the work, the device, the model, steps and batch size
(resources.renderer.measured_cost). A take costs its clip plus its keyframe when the keyframe was
made for it; a take that reuses an earlier take's keyframe does not pay for that keyframe again.
Takes made before costs were recorded are counted as unmeasured, never as free.

Seconds are split by where they were spent: CUDA and MPS seconds are GPU seconds, the rest CPU.
"""

from __future__ import annotations

from film_assets.storage.shot_versions import ShotVersions
from film_assets.storage_keys import shot_list_key
from resources.media_store import MediaStore

GPU_DEVICES = frozenset({"cuda", "mps"})
PLACES = 6  # a 64x64 storyboard frame takes a few milliseconds: keep them
SECONDS = ("cpu_s", "gpu_s", "wall_s")


def _seconds(costs: list[dict]) -> dict:
    gpu = sum((cost["wall_s"] for cost in costs if cost.get("device") in GPU_DEVICES), 0.0)
    cpu = sum((cost["wall_s"] for cost in costs if cost.get("device") not in GPU_DEVICES), 0.0)
    return {"cpu_s": cpu, "gpu_s": gpu, "wall_s": cpu + gpu}


def take_parts(record: dict) -> dict[str, dict]:
    """The parts this take made, by name ("keyframe", "clip"): a reused keyframe is not one."""
    parts = {}
    keyframe, clip = record.get("keyframe"), record.get("clip")
    if keyframe and keyframe.get("version") == record["version"]:
        parts["keyframe"] = keyframe
    if clip:
        parts["clip"] = clip
    return parts


def take_cost(record: dict) -> dict | None:
    """What making one take cost: {"cpu_s", "gpu_s", "wall_s", "keyframe": cost|None, "clip":
    cost|None}, or None when a part it made carries no cost (made before the ledger existed)."""
    parts = take_parts(record)
    if any("cost" not in entry for entry in parts.values()):
        return None
    costs = {name: entry["cost"] for name, entry in parts.items()}
    return {**_seconds(list(costs.values())), "keyframe": costs.get("keyframe"), "clip": costs.get("clip")}


def scene_of(code: str) -> str:
    """The scene a shot belongs to: its code's sequence part (SQ010 of SQ010_SH020)."""
    return code.split("_", 1)[0]


def stored_scene_headings(store: MediaStore, project: str) -> dict[str, str]:
    """Scene (SQ010) -> its heading in the project's latest shot list ({} before it has one)."""
    from resources.io_manager import read_parquet_bytes  # pandas and dagster load only when asked

    key = shot_list_key(project)
    if not store.exists(key):
        return {}
    frame = read_parquet_bytes(store.get_bytes(key), columns=["code", "scene_heading"])
    return {scene_of(str(code)): str(heading) for code, heading in zip(frame["code"], frame["scene_heading"])}


def _total(rows: list[dict], takes: int, measured: int) -> dict:
    """Seconds summed over rows, with how many takes they cover and how many of those were measured."""
    seconds = {name: round(sum((row[name] for row in rows), 0.0), PLACES) for name in SECONDS}
    return {**seconds, "takes": takes, "measured_takes": measured, "unmeasured_takes": takes - measured}


def _take_row(code: str, record: dict) -> dict:
    cost = take_cost(record)
    seconds = _seconds([]) if cost is None else {name: cost[name] for name in SECONDS}
    return {
        "code": code,
        "scene": scene_of(code),
        "version": record["version"],
        "reason": record.get("reason", ""),
        "created_at": record.get("created_at", ""),
        "measured": cost is not None,
        **{name: round(value, PLACES) for name, value in seconds.items()},
        "keyframe": cost and cost["keyframe"],
        "clip": cost and cost["clip"],
    }


def _take_rows(store: MediaStore, project: str, every: dict | None = None) -> list[dict]:
    every = every if every is not None else ShotVersions(store, project).all()
    return [_take_row(code, record) for code in sorted(every) for record in every[code]]


def project_costs(store: MediaStore, project: str) -> dict:
    """Every take's cost and the sums per shot, per scene and for the project, oldest take first:

    {"project", "takes": [{code, scene, version, reason, created_at, measured, cpu_s, gpu_s, wall_s,
    keyframe, clip}], "shots": [{code, scene, cpu_s, gpu_s, wall_s, takes, measured_takes,
    unmeasured_takes, newest_measured}], "scenes": [{scene, heading, shots, cpu_s, …}], "total": {…}}

    A shot's `newest_measured` is its newest measured take ({version, cpu_s, gpu_s, wall_s}) or
    None: what rendering that shot again is likely to cost. Unmeasured takes add 0 seconds."""
    headings = stored_scene_headings(store, project)
    takes = _take_rows(store, project)
    shots = []
    for code in sorted({take["code"] for take in takes}):
        rows = [take for take in takes if take["code"] == code]
        measured = [take for take in rows if take["measured"]]
        newest = measured[-1] if measured else None
        shots.append(
            {
                "code": code,
                "scene": scene_of(code),
                **_total(measured, len(rows), len(measured)),
                "newest_measured": newest and {name: newest[name] for name in ("version", *SECONDS)},
            }
        )
    scenes = []
    for scene in sorted({shot["scene"] for shot in shots}):
        rows = [shot for shot in shots if shot["scene"] == scene]
        scenes.append(
            {
                "scene": scene,
                "heading": headings.get(scene),  # None for a scene no longer in the script
                "shots": len(rows),
                **_total(rows, sum(r["takes"] for r in rows), sum(r["measured_takes"] for r in rows)),
            }
        )
    measured = [take for take in takes if take["measured"]]
    total = {"shots": len(shots), **_total(measured, len(takes), len(measured))}
    return {"project": project, "takes": takes, "shots": shots, "scenes": scenes, "total": total}


def project_cost_total(store: MediaStore, project: str, every: dict | None = None) -> dict:
    """The project's total, small enough for the catalog: {cpu_s, gpu_s, wall_s, takes,
    measured_takes, unmeasured_takes} (no shot list read: versions only; `every` is
    ShotVersions.all() when the caller has read it already)."""
    takes = _take_rows(store, project, every)
    measured = [take for take in takes if take["measured"]]
    return _total(measured, len(takes), len(measured))  # summed as project_costs sums: the same total
