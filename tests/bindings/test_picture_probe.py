"""ffmpeg's detectors, for real: a film with a black stretch and a still stretch between moving
pictures is scanned in one pass, and a keyframe's picture band is what the blank measure reads."""

from __future__ import annotations

import subprocess

import numpy as np
from PIL import Image

from film_assets.bindings.ffmpeg import ffmpeg_exe
from film_assets.bindings.picture_probe import dark_and_frozen_stretches, keyframe_luma
from film_assets.domain.video.picture_qc import is_blank


def test_black_and_still_stretches_are_found_where_they_are(tmp_path):
    film = tmp_path / "film.mp4"
    parts = "testsrc=s=320x180:r=12:d=2[a];color=c=black:s=320x180:r=12:d=2[b];smptebars=s=320x180:r=12:d=2.5[c];"
    parts += "testsrc=s=320x180:r=12:d=1.5[d];[a][b][c][d]concat=n=4:v=1:a=0,format=yuv420p[v]"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-filter_complex", parts, "-map", "[v]", "-c:v", "libx264", str(film)],
        check=True,
    )
    found = dark_and_frozen_stretches(film, 8.0)
    black = [(s.start_s, s.end_s) for s in found if s.kind == "black"]
    frozen = [(s.start_s, s.end_s) for s in found if s.kind == "frozen"]
    assert len(black) == 1 and abs(black[0][0] - 2.0) < 0.1 and abs(black[0][1] - 4.0) < 0.1, found
    # the black stretch is still too; the bars after it are a second still stretch
    assert any(abs(start - 4.0) < 0.2 and abs(end - 6.5) < 0.2 for start, end in frozen), found
    assert not any(start < 1.9 or start > 6.6 for start, _ in frozen), found  # the moving parts are not


def test_the_blank_measure_reads_only_the_picture_band(tmp_path):
    panel = np.zeros((180, 320), np.uint8)
    panel[:20] = 255  # a storyboard header with something drawn on it
    panel[5:15, 10:200] = 0
    path = tmp_path / "keyframe.png"
    Image.fromarray(panel).save(path)
    size, whole = keyframe_luma(path)
    _, band = keyframe_luma(path, (20, 180))
    assert size == (320, 180)
    assert not is_blank(whole) and is_blank(band)  # the header alone does not make a picture


def test_a_keyframe_is_measured_again_only_once_it_changes(tmp_path):
    """What a warm `filmstudio watch` relies on: the same file is not decoded again, and a file
    replaced as the stores replace it (a rename over it), even with the same size, is."""
    path, replacement = tmp_path / "keyframe.png", tmp_path / "new.png"
    Image.fromarray(np.full((64, 96), 40, np.uint8)).save(path)
    first = keyframe_luma(path)
    assert keyframe_luma(path) is first  # kept
    assert not first[1].flags.writeable  # callers share it: nobody may change it
    Image.fromarray(np.full((64, 96), 200, np.uint8)).save(replacement)
    assert replacement.stat().st_size == path.stat().st_size
    replacement.replace(path)
    again = keyframe_luma(path)
    assert again is not first and int(again[1].mean()) == 200
    assert keyframe_luma(path, (0, 32)) is not again  # another band, another measure
