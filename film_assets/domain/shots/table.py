"""The shot list as a table: it travels as parquet (the shot_list asset's value, shown in the UI),
with nested parts (dialogue, notes) as JSON text."""

from __future__ import annotations

import json
from dataclasses import asdict

import pandas as pd

from film_assets.domain.shots.breakdown import DialogueLine, Shot


def shots_to_frame(shots: list[Shot]) -> pd.DataFrame:
    rows = []
    for shot in shots:
        row = asdict(shot)
        row["characters"] = ", ".join(shot.characters)
        row["dialogue"] = json.dumps([asdict(line) for line in shot.dialogue], ensure_ascii=False)
        row["notes"] = json.dumps(list(shot.notes), ensure_ascii=False)
        rows.append(row)
    return pd.DataFrame(rows, columns=[f for f in Shot.__dataclass_fields__])


def shots_from_frame(frame: pd.DataFrame) -> list[Shot]:
    shots = []
    for row in frame.to_dict(orient="records"):
        row["characters"] = tuple(name for name in row["characters"].split(", ") if name)
        row["dialogue"] = tuple(
            DialogueLine(**{**line, "extensions": tuple(line["extensions"])}) for line in json.loads(row["dialogue"])
        )
        row["notes"] = tuple(json.loads(row["notes"]))
        for name in ("sequence", "number", "scene_index", "duration_frames", "seed", "source_line", "width", "height"):
            row[name] = int(row[name])
        for name in ("duration_s", "start_s", "fps"):
            row[name] = float(row[name])
        shots.append(Shot(**row))
    return shots
