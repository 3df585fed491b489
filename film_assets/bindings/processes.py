"""The stack's child processes: each in its own session with default signal dispositions, so
stopping one signals its whole process group (code servers and run workers included), with its
output in logs/<name>.log for the report when it dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class ChildFailed(Exception):
    def __init__(self, child: Child, what: str):
        self.child = child
        tail = child.log_tail()
        shown = "\n".join(f"    {line}" for line in tail.splitlines()) or "    (the log is empty)"
        super().__init__(f"{child.name} {what}; last lines of {child.log_path}:\n{shown}")


def _child_setup() -> None:
    """Runs in each child between fork and exec: default signal dispositions (a shell starting us
    in the background ignores SIGINT, and dagster processes then ignore SIGTERM too), no signals
    blocked, and SIGTERM when the supervisor dies, even by SIGKILL (Linux)."""
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    if _PRCTL is not None:
        _PRCTL(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def _prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()  # looked up here, not between fork and exec


class Child:
    """A service process in its own session (so its process group is its whole tree), logging
    stdout and stderr to logs/<name>.log."""

    def __init__(
        self,
        name: str,
        command: list[str],
        env: dict,
        log_dir: Path,
        *,
        batch: int = 0,
        user: int | None = None,
        group: int | None = None,
        stop_signal: int = signal.SIGTERM,
        signal_group: bool = True,
        cwd: Path | None = None,
    ):
        self.name, self.command, self.stop_signal, self.signal_group = name, command, stop_signal, signal_group
        self.batch = batch  # children started together stop together, later batches first
        self.env, self.user, self.group, self.cwd = env, user, group, cwd
        self.earlier_groups: list[int] = []  # process groups of earlier starts (restarts)
        self.log_path = log_dir / f"{name}.log"
        if self.log_path.exists():
            self.log_path.replace(self.log_path.with_suffix(".log.1"))  # keep the previous run's log
        self._start("wb")

    def _start(self, log_mode: str) -> None:
        with open(self.log_path, log_mode) as log:
            # no stop signal may land between fork and Popen's return: the child would go unrecorded
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
            try:
                extra = {"user": self.user, "group": self.group, "extra_groups": []} if self.user is not None else {}
                self.process = subprocess.Popen(
                    self.command,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=_child_setup,
                    cwd=self.cwd,
                    **extra,
                )
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def restart(self, note: str) -> None:
        """Start the same command again after it died, its log continued under a line saying why.
        What the dead one left in its group (a daemon's run workers) finishes its work; it is
        stopped with the rest of the stack."""
        self.earlier_groups.append(self.process.pid)
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- {note} ---\n".encode())
        self._start("ab")

    @property
    def pid(self) -> int:
        return self.process.pid

    def poll(self) -> int | None:
        return self.process.poll()

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def ask_to_stop(self) -> None:
        """Send the stop signal: to the process group, unless signal_group is off."""
        if self.process.poll() is None:
            if self.signal_group:
                _killpg(self.process.pid, self.stop_signal)
            else:
                self.process.send_signal(self.stop_signal)

    def finish(self, deadline: float) -> int | None:
        """Wait for it until deadline (time.monotonic()), then SIGKILL it; SIGKILL whatever is left in
        its group (run workers, code servers). Returns its exit code."""
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _killpg(self.process.pid, signal.SIGKILL)
            self.process.kill()
            self.process.wait(timeout=5)
        for pgid in [*self.earlier_groups, self.process.pid]:
            _killpg(pgid, signal.SIGKILL)
        return self.process.returncode


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
