"""The Postgres `filmstudio up` uses: one that is given, the machine's own on 127.0.0.1:5432, or a
private cluster initialised from the machine's PostgreSQL server binaries.

A private cluster lives in FILMSTUDIO_HOME/service/postgres, listens on 127.0.0.1 only (a free
port, no Unix socket) and trusts local connections as user `postgres`. Run as root, initdb and
postgres refuse to start, so they run as the `postgres` system user instead. The stack starts
and stops the server process itself; this module prepares it and says when it is ready.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from resources.profiles import psycopg2_url

DATABASE_NAME = "filmstudio"
MACHINE_POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
SUPERUSER = "postgres"


class PostgresError(Exception):
    """No usable Postgres, and what to do about it."""


def hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def check_postgres_url(url: str) -> str:
    """The URL with the psycopg2 driver, once a connection to it succeeded."""
    try:
        url = psycopg2_url(url)
    except ValueError as error:
        raise PostgresError(str(error)) from None
    try:
        connect_url(url).close()
    except Exception as error:  # noqa: BLE001 - psycopg2's errors all mean "cannot use it"
        raise PostgresError(f"cannot connect to the Postgres at {hide_password(url)}: {first_line(error)}") from None
    return url


def machine_database() -> tuple[str | None, str]:
    """(URL of database `filmstudio` on the machine's Postgres, created if missing; or None, why not)."""
    try:
        connection = _connect(**MACHINE_POSTGRES, dbname="postgres")
    except Exception as error:  # noqa: BLE001 - refused, password required, ...: not usable as is
        return None, first_line(error)
    _create_database(connection, DATABASE_NAME)
    host, port, user = MACHINE_POSTGRES["host"], MACHINE_POSTGRES["port"], MACHINE_POSTGRES["user"]
    return f"postgresql+psycopg2://{user}@{host}:{port}/{DATABASE_NAME}", ""


@dataclass(frozen=True)
class PrivateCluster:
    data: Path
    binaries: Path
    port: int
    user: int | None = None  # uid to run as (set when we are root)
    group: int | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE_NAME}"

    def command(self) -> list[str]:
        return [
            str(self.binaries / "postgres"),
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
        ]

    def env(self, home: Path) -> dict:
        # FILMSTUDIO_HOME marks it as this stack's process (see stack._processes_of)
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "FILMSTUDIO_HOME": str(home)}

    def ready(self) -> bool:
        """Accepting connections? Then database `filmstudio` exists too."""
        try:
            connection = _connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres")
        except Exception:  # noqa: BLE001 - still starting
            return False
        _create_database(connection, DATABASE_NAME)
        return True


def prepare_private_cluster(
    data: Path, log_dir: Path, why_not_machine: str, say: Callable[[str], None]
) -> PrivateCluster:
    """An initialised data folder (initdb on first use) and a free port, ready to start."""
    binaries = server_binaries()
    if binaries is None:
        host, port, user = MACHINE_POSTGRES["host"], MACHINE_POSTGRES["port"], MACHINE_POSTGRES["user"]
        raise PostgresError(
            f"no Postgres: none answered at {host}:{port} as user {user} without a password ({why_not_machine}), "
            "and no PostgreSQL server binaries (initdb, postgres) were found to start a private one. Install "
            "PostgreSQL (Debian/Ubuntu: `sudo apt-get install postgresql`; macOS: `brew install postgresql`), or "
            "pass --postgres-url postgresql://USER:PASSWORD@HOST:5432/DB (or set FILMSTUDIO_POSTGRES_URL)"
        )
    user = group = None
    if os.geteuid() == 0:
        user, group = _postgres_account()
    data.mkdir(parents=True, exist_ok=True)
    if user is not None:
        os.chown(data, user, group)
        data.chmod(0o700)
        if subprocess.run(["test", "-w", str(data)], user=user, group=group, extra_groups=[]).returncode != 0:
            raise PostgresError(
                f"the private Postgres runs as the `postgres` user, which cannot reach {data} (a "
                "parent folder is private to root): set FILMSTUDIO_HOME to a folder it can reach, "
                "e.g. /var/lib/filmstudio, or pass --postgres-url"
            )
    as_user = {"user": user, "group": group, "extra_groups": []} if user is not None else {}
    if not (data / "PG_VERSION").exists():
        log = log_dir / "postgres-initdb.log"
        say(f"initialising the cluster with {binaries / 'initdb'}")
        with open(log, "wb") as output:
            done = subprocess.run(
                [
                    str(binaries / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=data,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
                **as_user,
            )
        if done.returncode != 0:
            raise PostgresError(
                f"initdb failed (exit {done.returncode}); {log} says:\n{log.read_text(errors='replace')[-2000:]}"
            )
    _stop_stale_postmaster(data, say)
    return PrivateCluster(data=data, binaries=binaries, port=_free_port(), user=user, group=group)


def server_binaries() -> Path | None:
    """A folder with initdb and postgres: on PATH, else the newest /usr/lib/postgresql/*/bin
    (Debian, Ubuntu) or /usr/pgsql-*/bin (RHEL, Fedora)."""
    candidates = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)

    def version(path: str) -> tuple:
        return tuple(int(part) for part in re.findall(r"\d+", path))

    for pattern in ("/usr/lib/postgresql/*/bin/initdb", "/usr/pgsql-*/bin/initdb"):
        candidates += [Path(path).parent for path in sorted(glob.glob(pattern), key=version, reverse=True)]
    return next(
        (folder for folder in candidates if (folder / "initdb").is_file() and (folder / "postgres").is_file()), None
    )


def connect_url(url: str):
    """A psycopg2 connection from a SQLAlchemy-style URL."""
    import psycopg2

    return psycopg2.connect(re.sub(r"^postgresql\+psycopg2://", "postgresql://", url), connect_timeout=5)


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _postgres_account() -> tuple[int, int]:
    import pwd

    try:
        account = pwd.getpwnam(SUPERUSER)
    except KeyError:
        raise PostgresError(
            "PostgreSQL refuses to run as root, and this machine has no `postgres` user to run the "
            "private cluster as: create one (`useradd --system postgres`), run `filmstudio up` as "
            "another user, or pass --postgres-url"
        ) from None
    return account.pw_uid, account.pw_gid


def _connect(**parts):
    import psycopg2

    connection = psycopg2.connect(connect_timeout=3, **parts)
    connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
    return connection


def _create_database(connection, name: str) -> None:
    """Create the database if it is missing, then close the connection."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def _stop_stale_postmaster(data: Path, say: Callable[[str], None]) -> None:
    """A Postgres left running on this data folder by a stack that was killed outright (the
    stack checks first that no live stack owns this FILMSTUDIO_HOME)."""
    try:
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, IndexError, ValueError):
        return
    if not _is_postgres(pid):
        return
    say(f"stopping a Postgres (pid {pid}) left running on {data} by an earlier stack")
    os.kill(pid, signal.SIGINT)  # fast shutdown
    deadline = time.monotonic() + 10
    while _is_postgres(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _is_postgres(pid):
        os.kill(pid, signal.SIGKILL)


def _is_postgres(pid: int) -> bool:
    try:
        return "postgres" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
