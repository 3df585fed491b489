"""Dailies: a review reel of the takes to look at, made from the media store alone.

Each take plays with a burn-in (shot code, version, why it was made, what made it, seed, date and
its review state), a slate opens each scene, and a contact sheet shows every take at a glance.
A reel is stored in its own folder beside the project's deliverables,
projects/<p>/dailies/<reel>/ (dailies.mp4, contact_sheet.jpg, dailies.json), the record last:
every write is atomic and the media comes first, so a crash never leaves a dailies.json pointing at
a half-written file, and a reel without its record is never offered as the latest.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

from PIL import Image

from film_assets.bindings.dailies_reel import SlateItem, TakeItem, build_reel, clip_format, frames_at, reel_size
from film_assets.domain.storyboard.dailies_sheet import DailiesCell, draw_dailies_sheet
from film_assets.domain.storyboard.slate import BurnIn, burn_in_image, slate_image
from film_assets.storage_keys import dailies_key, shot_list_key
from resources.media_store import MediaNotFound, MediaStore

REVIEW_STATES = ("pending", "approved", "rejected", "changes_requested")
REEL_FILE, SHEET_FILE, RECORD_FILE = "dailies.mp4", "contact_sheet.jpg", "dailies.json"
SLATE_SECONDS = 2.0  # long enough to read a scene heading, short enough not to pad a reel of many scenes
REEL_NAME = re.compile(r"^(\d{8}T\d{6}Z)(?:-(\d+))?$")
NOT_IN_SHOT_LIST = "(no longer in the shot list)"


@dataclass(frozen=True)
class DailiesReel:
    project: str
    reel: str  # 20261207T051500Z: when it was made, UTC; also its folder's name
    video_key: str
    contact_sheet_key: str
    record_key: str
    take_count: int
    slate_count: int
    frames: int
    fps: Fraction
    duration_s: float
    width: int
    height: int

    def to_json(self) -> dict:
        return {
            "project": self.project,
            "reel": self.reel,
            "video": self.video_key,
            "contact_sheet": self.contact_sheet_key,
            "record": self.record_key,
            "take_count": self.take_count,
            "slate_count": self.slate_count,
            "frames": self.frames,
            "fps": _fps_json(self.fps),
            "duration_s": self.duration_s,
            "width": self.width,
            "height": self.height,
        }


def state_of(states: dict[tuple[str, str], str], code: str, version: str) -> str:
    """A take's review state; a take nobody has reviewed is pending."""
    return states.get((code, version), "pending")


def select_takes(
    rows: list[dict], states: dict[tuple[str, str], str], unreviewed: bool = False, since: datetime | None = None
) -> list[dict]:
    """The takes to review, each row with its review state: only pending ones with `unreviewed`,
    only those made at or after `since` (UTC when it carries no zone). ValueError when none are
    left, saying which filter left none."""
    since = _utc(since) if since is not None else None
    kept = [{**row, "state": state_of(states, row["code"], row["version"])} for row in rows]
    if not kept:
        raise ValueError("no takes to review: the project has no complete takes yet")
    if unreviewed:
        kept = [row for row in kept if row["state"] == "pending"]
        if not kept:
            raise ValueError(f"no takes to review: all {len(rows)} takes have been reviewed (--unreviewed)")
    if since is not None:
        before = len(kept)
        kept = [row for row in kept if (made := _made_at(row)) is not None and made >= since]
        if not kept:
            which = f"{before} unreviewed takes" if unreviewed else f"{before} takes"
            raise ValueError(
                f"no takes to review: none of the {which} was made at or after {since.isoformat()} (--since)"
            )
    return kept


def make_dailies(
    store: MediaStore,
    project: str,
    takes: list[dict],
    states: dict[tuple[str, str], str],
    title: str,
    progress: Callable[[str], None] = lambda message: None,
    *,
    unreviewed: bool = False,
    since: datetime | None = None,
    now: datetime | None = None,
) -> DailiesReel:
    """Make and store a dailies reel of `takes` (rows as select_takes returns them), ordered by
    scene, shot code and version, with a slate per scene. `unreviewed` and `since` are the filter
    the takes were chosen with, recorded in dailies.json."""
    if not takes:
        raise ValueError(f"no takes to review: the selection for {project} is empty")
    made_at = _utc(now or datetime.now(UTC)).replace(microsecond=0)
    reel = _reel_name(store, project, made_at)
    ordered = sorted(takes, key=_reel_order)
    headings = _scene_headings(store, project)
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="film-assets-dailies-") as folder:
        clips = [stack.enter_context(store.reading(take["clip_key"])) for take in ordered]
        formats = [clip_format(clip) for clip in clips]
        width, height = reel_size(*_most_common((f.width, f.height) for f in formats))
        fps = _most_common(f.fps for f in formats)
        scenes = _scenes(ordered, headings)
        progress(f"dailies: {len(ordered)} takes in {len(scenes)} scenes at {width}x{height}, {_fps_text(fps)} fps")
        items, slates, entries, start = [], [], [], 0
        date = made_at.date().isoformat()
        slate_frames = max(1, round(SLATE_SECONDS * fps))
        for index, (take, clip, clip_fmt) in enumerate(zip(ordered, clips, formats, strict=True)):
            scene = _scene(take["code"])
            if not slates or slates[-1]["scene"] != scene:
                png = Path(folder) / f"slate_{len(slates):03d}.png"
                count = scenes[scene]["takes"]
                slate_image(width, height, title, scene, scenes[scene]["heading"], count, date).save(png)
                items.append(SlateItem(png, slate_frames))
                slates.append({**scenes[scene], "scene": scene, "start_frame": start, "frames": slate_frames})
                start += slate_frames
            burn = _burn_in(take, states)
            png = Path(folder) / f"burn_{index:04d}.png"
            burn_in_image(width, height, burn).save(png)
            frames = frames_at(clip_fmt, fps)
            items.append(TakeItem(clip, png, frames))
            entries.append(_take_entry(take, burn, scene, start, frames))
            start += frames
        progress(f"dailies: encoding the reel ({start} frames)")
        video_key = dailies_key(project, reel, REEL_FILE)
        with store.writing(video_key) as path:
            frames = build_reel(items, path, width, height, fps)
    progress("dailies: drawing the contact sheet")
    sheet_key = store.put_bytes(
        dailies_key(project, reel, SHEET_FILE), _contact_sheet(store, ordered, entries, title, date)
    )
    result = DailiesReel(
        project=project,
        reel=reel,
        video_key=video_key,
        contact_sheet_key=sheet_key,
        record_key=dailies_key(project, reel, RECORD_FILE),
        take_count=len(entries),
        slate_count=len(slates),
        frames=frames,
        fps=fps,
        duration_s=round(float(frames / fps), 3),
        width=width,
        height=height,
    )
    record = {
        **result.to_json(),
        "title": title,
        "made_at": made_at.isoformat(),
        "filter": {"unreviewed": unreviewed, "since": _utc(since).isoformat() if since else None},
        "slates": slates,
        "takes": entries,
    }
    store.put_bytes(result.record_key, json.dumps(record, indent=2, ensure_ascii=False).encode())
    progress(f"dailies: stored {result.record_key}")
    return result


def latest_dailies(store: MediaStore, project: str) -> dict | None:
    """The newest reel's dailies.json, or None before the project has one."""
    reels = []
    for key in store.list_keys(dailies_key(project)):
        parts = key.rsplit("/", 2)
        if len(parts) == 3 and parts[2] == RECORD_FILE and (match := REEL_NAME.match(parts[1])):
            reels.append(((match[1], int(match[2] or 1)), key))
    if not reels:
        return None
    try:
        return json.loads(store.get_bytes(max(reels)[1]))
    except MediaNotFound:
        return None  # removed since the listing


def _reel_name(store: MediaStore, project: str, made_at: datetime) -> str:
    """The reel's folder: the UTC time, with -2, -3, ... when a reel was made in the same second."""
    stamp = made_at.strftime("%Y%m%dT%H%M%SZ")
    name, number = stamp, 1
    while store.list_keys(dailies_key(project, name)):
        number += 1
        name = f"{stamp}-{number}"
    return name


def _reel_order(take: dict) -> tuple:
    version = str(take["version"])
    number = int(version[1:]) if version[1:].isdigit() else 0
    return _scene(take["code"]), take["code"], number, version


def _scene(code: str) -> str:
    """The scene a shot belongs to: its code's SQ part (SQ010 of SQ010_SH020)."""
    return code.split("_", 1)[0]


def _scene_headings(store: MediaStore, project: str) -> dict[str, str]:
    """Shot code -> its scene heading, from the project's stored shot list ({} before it has one)."""
    from resources.io_manager import read_parquet_bytes  # pandas loads only when asked

    key = shot_list_key(project)
    if not store.exists(key):
        return {}
    table = read_parquet_bytes(store.get_bytes(key), columns=["code", "scene_heading"])
    return {str(code): str(heading) for code, heading in zip(table["code"], table["scene_heading"], strict=True)}


def _scenes(ordered: list[dict], headings: dict[str, str]) -> dict[str, dict]:
    """Per scene: its heading (from the first of its shots the shot list has) and its take count."""
    scenes: dict[str, dict] = {}
    for take in ordered:
        scene = scenes.setdefault(_scene(take["code"]), {"heading": "", "takes": 0})
        scene["takes"] += 1
        if not scene["heading"] and take["code"] in headings:
            scene["heading"] = headings[take["code"]]
    for scene in scenes.values():
        scene["heading"] = scene["heading"] or NOT_IN_SHOT_LIST
    return scenes


def _burn_in(take: dict, states: dict[tuple[str, str], str]) -> BurnIn:
    model = take.get("model") or f"{take.get('renderer', '')} {take.get('renderer_version', '')}".strip()
    animator = take.get("animator", "")
    if animator and animator != "camera_move":
        model = f"{model} + {animator}" if model else animator
    made = _made_at(take)
    date = made.strftime("%Y-%m-%d %H:%M UTC") if made else str(take.get("created_at", ""))
    state = take.get("state") or state_of(states, take["code"], take["version"])
    seed = take.get("seed", "")
    return BurnIn(
        take["code"], take["version"], take.get("reason", ""), model, "" if seed is None else seed, date, state
    )


def _take_entry(take: dict, burn: BurnIn, scene: str, start: int, frames: int) -> dict:
    return {
        "code": take["code"],
        "version": take["version"],
        "scene": scene,
        "state": burn.state,
        "start_frame": start,
        "frames": frames,
        "clip_key": take["clip_key"],
        "burn_in": {
            "code": burn.code,
            "version": burn.version,
            "reason": burn.reason,
            "model": burn.model,
            "seed": burn.seed,
            "date": burn.date,
            "state": burn.state,
        },
    }


def _contact_sheet(store: MediaStore, ordered: list[dict], entries: list[dict], title: str, date: str) -> bytes:
    cells = [
        DailiesCell(entry["code"], entry["version"], entry["state"], _thumbnail(store, take))
        for take, entry in zip(ordered, entries, strict=True)
    ]
    counts = Counter(entry["state"] for entry in entries)
    summary = f"{len(entries)} takes" + "".join(
        f" \u00b7 {counts[state]} {state.replace('_', ' ')}" for state in REVIEW_STATES if counts[state]
    )
    sheet = draw_dailies_sheet(cells, f"{title} \u00b7 dailies {date}", summary)
    buffer = io.BytesIO()
    sheet.save(buffer, format="JPEG", quality=82, optimize=True)
    return buffer.getvalue()


def _thumbnail(store: MediaStore, take: dict) -> Image.Image:
    """The take's keyframe (grey when it is gone: the sheet still has its cell)."""
    try:
        image = Image.open(io.BytesIO(store.get_bytes(take["keyframe_key"])))
        image.load()
        return image
    except (MediaNotFound, KeyError, OSError):
        return Image.new("RGB", (16, 9), (70, 70, 76))


def _made_at(take: dict) -> datetime | None:
    try:
        return _utc(datetime.fromisoformat(str(take.get("created_at", ""))))
    except ValueError:
        return None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _most_common(values):
    """The most common value, the first seen winning a tie (takes are in reel order)."""
    counted = Counter(values)
    return max(counted, key=lambda value: counted[value])  # Counter keeps first-seen order


def _fps_json(fps: Fraction) -> int | str:
    return fps.numerator if fps.denominator == 1 else f"{fps.numerator}/{fps.denominator}"


def _fps_text(fps: Fraction) -> str:
    return f"{float(fps):g}"
