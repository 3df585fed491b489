"""Write the final cut for an editor: `filmstudio export` and GET /projects/{id}/export.

One export is a folder (or a zip of it) named `<project>-<format>`:

    <project>-edl/
      <project>.edl            the timeline (or .otio, .xml, .fcpxml, .aaf)
      <project>.srt            the subtitles
      media/SQ010_SH010_v001.mp4 ...   every take the cut uses, named as its clip
      media/mix.wav            the mix (one audio track in every format that has audio tracks)

The timeline points at its media by relative path, so the folder opens wherever it is copied. It is
made in a temporary folder beside its destination, read back and compared to the cut
(readback.py), and only then moved into place: a failed export leaves nothing behind, and a
previous export of the same name stays until the new one is complete.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from film_assets.editorial.adapters import write_timeline
from film_assets.editorial.clips import MEDIA_FOLDER, MIX_FILE, clip_path, export_timeline, for_format
from film_assets.editorial.cut import EditorialCut, stored_cut
from film_assets.editorial.formats import FORMATS, ExportFormat, UnsupportedExport
from film_assets.editorial.readback import Readback, read_back
from resources.media_store import MediaStore


@dataclass(frozen=True)
class Export:
    project: str
    format: str
    path: Path  # the folder, or the zip
    timeline: str  # the timeline file's path inside it
    files: tuple[str, ...]  # every file in it, relative, sorted
    readback: Readback

    def to_json(self) -> dict:
        return {
            "project": self.project,
            "format": self.format,
            "path": str(self.path),
            "timeline": self.timeline,
            "files": list(self.files),
            "readback": self.readback.to_json(),
        }


def export_name(project: str, format_name: str) -> str:
    return f"{project}-{format_name}"


def _format(format_name: str) -> ExportFormat:
    try:
        return FORMATS[format_name]
    except KeyError:
        raise UnsupportedExport(f"unknown export format {format_name!r}: one of {', '.join(FORMATS)}") from None


def _copy_media(store: MediaStore, cut: EditorialCut, folder: Path) -> None:
    for take in cut.takes:
        store.export(take.clip_key, folder / clip_path(take))
    store.export(cut.mix_key, folder / MIX_FILE)
    store.export(cut.subtitles_key, folder / f"{cut.project}.srt")


def _write(export_format: ExportFormat, cut: EditorialCut, folder: Path) -> Path:
    path = folder / f"{cut.project}.{export_format.extension}"
    write_timeline(export_format, for_format(export_timeline(cut), cut, export_format.name), path)
    return path


def _files(folder: Path) -> tuple[str, ...]:
    return tuple(sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()))


def _zip(folder: Path, destination: Path) -> None:
    """The folder as one zip whose top entry is the folder itself; media is stored, not deflated
    (H.264 and a WAV of noise-free speech barely shrink, and storing is fast)."""
    with zipfile.ZipFile(destination, "w") as archive:
        for name in _files(folder):
            compress = zipfile.ZIP_STORED if name.startswith(f"{MEDIA_FOLDER}/") else zipfile.ZIP_DEFLATED
            archive.write(folder / name, f"{folder.name}/{name}", compress_type=compress)
    with zipfile.ZipFile(destination) as archive:
        if archive.testzip() is not None:
            raise OSError(f"{destination.name}: the zip does not read back")
        held = sorted(n.removeprefix(f"{folder.name}/") for n in archive.namelist())
    if tuple(held) != _files(folder):
        raise OSError(f"{destination.name} holds {held}, the export {list(_files(folder))}")


def _move_into_place(built: Path, final: Path, work: Path) -> None:
    """Replace `final` by `built`; an earlier export under the name is moved aside first and
    removed with the work folder."""
    if final.exists():
        os.replace(final, work / f"previous-{final.name}")
    os.replace(built, final)


def export_cut(store: MediaStore, project: str, format_name: str, out_dir: Path, as_zip: bool = False) -> Export:
    """Export the project's final cut as `format_name` into out_dir/<project>-<format>[.zip].
    UnsupportedExport for an unknown format, NotRendered before
    the project has a final cut, ReadbackMismatch if what was written does not read back as the
    cut; in every such case nothing is written."""
    export_format = _format(format_name)
    cut = stored_cut(store, project)
    out_dir = Path(out_dir)
    made_out_dir = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    name = export_name(project, export_format.name)
    work = out_dir / f".{name}.{uuid.uuid4().hex}.part"
    done = False
    try:
        folder = work / name
        folder.mkdir(parents=True)
        _copy_media(store, cut, folder)
        timeline = _write(export_format, cut, folder)
        readback = read_back(export_format, timeline, cut)
        files = _files(folder)
        if as_zip:
            _zip(folder, work / f"{name}.zip")
            final = out_dir / f"{name}.zip"
            _move_into_place(work / f"{name}.zip", final, work)
        else:
            final = out_dir / name
            _move_into_place(folder, final, work)
        done = True
        return Export(project, export_format.name, final, timeline.name, files, readback)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if made_out_dir and not done:
            with contextlib.suppress(OSError):  # made for this export: removed unless something else is in it
                out_dir.rmdir()
