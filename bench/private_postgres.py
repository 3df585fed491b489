"""A PostgreSQL server of our own, to stop and start under a running stack (the outage test and
the soak): the machine's server is shared, so its faults are made on a private cluster, started
from the machine's PostgreSQL binaries as `filmstudio up` starts one."""

from __future__ import annotations

import signal
import tempfile
import time
from pathlib import Path

from film_assets.bindings.processes import Child
from film_assets.stack.postgres import SUPERUSER, prepare_private_cluster


class PrivatePostgres:
    """One private cluster: started, stopped (fast shutdown) and started again on its data."""

    def __init__(self, folder: Path):
        logs = folder / "logs"
        logs.mkdir()
        self.cluster = prepare_private_cluster(
            folder / "data", logs, "it is stopped and started on purpose", lambda _: None
        )
        self.folder, self.logs, self.server = folder, logs, None

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.cluster.port}/postgres"

    def start(self) -> None:
        if self.server is None:
            self.server = Child(
                "postgres",
                self.cluster.command(),
                self.cluster.env(self.folder),
                self.logs,
                user=self.cluster.user,
                group=self.cluster.group,
                cwd=self.cluster.data,
                stop_signal=signal.SIGINT,  # Postgres's fast shutdown
                signal_group=False,
            )
        else:
            self.server.restart("started again after a planned outage")
        deadline = time.monotonic() + 60
        while not self.cluster.ready():
            if self.server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the private Postgres did not start; see {self.logs / 'postgres.log'}")
            time.sleep(0.2)

    def stop(self) -> None:
        self.server.ask_to_stop()
        self.server.finish(time.monotonic() + 30)  # SIGKILL past 30 s


def private_postgres_folder() -> Path:
    """A folder the server's user (postgres, when we are root) can enter: not under a root-only
    temporary folder such as pytest's."""
    folder = Path(tempfile.mkdtemp(prefix="filmstudio-pg-"))
    folder.chmod(0o755)
    return folder
