"""`filmstudio watch` as a real process: it renders at start and on every save without starting
again, a save that does not parse names its line and the watch goes on, Ctrl-C stops it cleanly,
and its renders are ordinary render_film runs."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.support.api_helpers import TINY_FILM
from tests.support.ui import TINY_SIZE

pytestmark = pytest.mark.slow  # three small renders in one process

BROKEN = TINY_FILM + "\nThe door chimes.\n\nSTEEL ^\nScrew retirement.\n"  # dual dialogue after action


class Watch:
    def __init__(self, script, film_home):
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        env["FILMSTUDIO_HOME"] = str(film_home)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "film_assets.cli", "watch", str(script), "--project", "watched", *TINY_SIZE],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=film_home.parent,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, words: str, timeout_s: float = 120) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.process.poll() is None, f"watch exited early: {self.seen}"
                continue
            self.seen.append(line)
            if words in line:
                return line
        raise AssertionError(f"no line with {words!r} within {timeout_s} s: {self.seen}")


def _save(path, text: str) -> None:
    path.write_text(text)
    time.sleep(0.05)  # a new mtime even on filesystems with coarse timestamps
    os.utime(path)


def test_watch_renders_every_save_in_one_process_and_stops_on_ctrl_c(film_home, tmp_path):
    from dagster import DagsterInstance

    script = tmp_path / "watched.fountain"
    script.write_text(TINY_FILM)
    watch = Watch(script, film_home)
    try:
        watch.wait_for("first render of this project")
        first = watch.wait_for(" rendered, ")
        assert "3 shots rendered, 0 reused" in first, first
        pid = watch.process.pid

        _save(script, TINY_FILM.replace("Then I have an hour.", "Then I have an hour and a slice of pie."))
        watch.wait_for("1 changed")  # the plan comes first
        second = watch.wait_for(" rendered, ")
        assert "1 shot rendered, 2 reused" in second and "dagster" in second, second

        _save(script, BROKEN)
        error = watch.wait_for("error:")
        assert "line 15" in error, error
        watch.wait_for("still watching")
        assert watch.process.poll() is None and watch.process.pid == pid

        _save(script, TINY_FILM)
        assert "reused" in watch.wait_for(" rendered, ")

        watch.process.send_signal(signal.SIGINT)
        assert watch.process.wait(timeout=30) == 0
        while not watch.lines.empty():
            watch.seen.append(watch.lines.get())
        assert any("stopped watching" in line for line in watch.seen), watch.seen
    finally:
        if watch.process.poll() is None:
            watch.process.kill()

    instance = DagsterInstance.from_config(str(film_home / "dagster_home"))
    try:
        runs = instance.get_runs()
        assert len(runs) == 3 and all(run.job_name == "render_film" and run.remote_job_origin for run in runs)
    finally:
        instance.dispose()
