"""`filmstudio up`: the whole service stack on one machine, started and supervised by one process.

    Postgres   --postgres-url / FILMSTUDIO_POSTGRES_URL; else the machine's on 127.0.0.1:5432 (user
               postgres, no password; database `filmstudio` created if missing); else a private
               cluster under FILMSTUDIO_HOME/service/postgres from the machine's PostgreSQL binaries
    SQS + S3   a moto server on 127.0.0.1:--aws-port, unless --aws-endpoint names one; the media
               bucket and the queue pair filmstudio-renders / filmstudio-renders-dlq are created
    Dagster    dagster-daemon and dagster-webserver on the service profile (instance in Postgres)
    API        uvicorn api.app:create_app on --host:--api-port

State lives in FILMSTUDIO_HOME/service/: `dagster_home/` (the DAGSTER_HOME), `logs/<name>.log`
and `stack.json` (URLs, environment and pids of the stack; `filmstudio keys create` reads its
database from there). Each child runs in its own session with default signal dispositions, so
stopping it signals its whole process group, code servers and run workers included. SIGINT or
SIGTERM stops the children in reverse start order (SIGTERM, then SIGKILL after STOP_TIMEOUT_S)
and exits 0; a child that dies is reported with its log and stops everything (exit 1).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from film_assets.service.instance import DEFAULT_MAX_CONCURRENT_RUNS, psycopg2_url, write_service_home
from film_assets.service.postgres import (DATABASE_NAME, MACHINE_POSTGRES, PostgresError, check_postgres_url,
                                          first_line, hide_password, machine_database, prepare_private_cluster)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_API_PORT = 8000
DEFAULT_UI_PORT = 3000
DEFAULT_AWS_PORT = 4566
QUEUE_NAME = "filmstudio-renders"
DEFINITIONS_MODULE = "film_assets.definitions"
STARTUP_TIMEOUT_S = 120.0  # a first start compiles bytecode and creates Dagster's tables
STOP_TIMEOUT_S = 10.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# moto accepts any credentials; the children need some to sign their requests
DUMMY_AWS_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "filmstudio", "AWS_SECRET_ACCESS_KEY": "filmstudio"}
# What the stack's processes get besides the service profile's SERVICE_ENV (docker-compose sets the same)
STACK_ENV = ("FILMSTUDIO_PROFILE", "FILMSTUDIO_HOME", "DAGSTER_HOME", "FILMSTUDIO_MAX_CONCURRENT_RUNS",
             "AWS_DEFAULT_REGION")
EXIT_STOPPED = 0
EXIT_CHILD_FAILED = 1
EXIT_CANNOT_START = 2


class StackError(Exception):
    """The stack cannot start (or a command cannot find it), for a reason the message says how to fix."""


class StopRequested(Exception):
    """SIGINT, SIGTERM or SIGHUP arrived: stop everything and exit 0."""


class ChildFailed(Exception):
    def __init__(self, child: "Child", what: str):
        self.child = child
        tail = child.log_tail()
        shown = "\n".join(f"    {line}" for line in tail.splitlines()) or "    (the log is empty)"
        super().__init__(f"{child.name} {what}; last lines of {child.log_path}:\n{shown}")


# --- where the stack keeps its state --------------------------------------------------------

@dataclass(frozen=True)
class StackOptions:
    home: Path  # FILMSTUDIO_HOME
    host: str = DEFAULT_HOST
    api_port: int = DEFAULT_API_PORT
    ui_port: int = DEFAULT_UI_PORT
    aws_port: int = DEFAULT_AWS_PORT
    postgres_url: str | None = None
    aws_endpoint: str | None = None
    bucket: str = "filmstudio-media"
    region: str = "us-east-1"
    max_concurrent_runs: str = str(DEFAULT_MAX_CONCURRENT_RUNS)

    @classmethod
    def from_environment(cls, **flags) -> "StackOptions":
        """The command's flags over the service profile's settings (FILMSTUDIO_POSTGRES_URL,
        FILMSTUDIO_BUCKET, AWS_REGION, ...) and FILMSTUDIO_HOME."""
        from resources.profiles import ServiceSettings, current_environment

        settings = ServiceSettings.from_environment()
        values = {"home": current_environment().home, "bucket": settings.bucket, "region": settings.region_name,
                  "postgres_url": settings.postgres_url or None,
                  "max_concurrent_runs": os.environ.get("FILMSTUDIO_MAX_CONCURRENT_RUNS")
                  or str(DEFAULT_MAX_CONCURRENT_RUNS)}
        values.update({name: value for name, value in flags.items() if value is not None})
        return cls(**values)

    @property
    def service_dir(self) -> Path:
        return service_dir(self.home)

    @property
    def dagster_home(self) -> Path:
        return self.service_dir / "dagster_home"

    @property
    def log_dir(self) -> Path:
        return self.service_dir / "logs"

    @property
    def state_path(self) -> Path:
        return state_path(self.home)

    @property
    def postgres_data(self) -> Path:
        return self.service_dir / "postgres"


def service_dir(home: Path) -> Path:
    return Path(home) / "service"


def state_path(home: Path) -> Path:
    return service_dir(home) / "stack.json"


def read_state(home: Path) -> dict | None:
    """The last stack's stack.json (status starting, running or stopped), or None."""
    try:
        return json.loads(state_path(home).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _write_state(path: Path, state: dict) -> None:
    state["updated_at"] = _now()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    # it names the database (perhaps with a password): readable by this user only
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(state, handle, indent=2)
    os.replace(partial, path)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --- one child process ------------------------------------------------------------------------

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

    def __init__(self, name: str, command: list[str], env: dict, log_dir: Path, *, batch: int = 0,
                 user: int | None = None, group: int | None = None, stop_signal: int = signal.SIGTERM,
                 signal_group: bool = True, cwd: Path | None = None):
        self.name, self.command, self.stop_signal, self.signal_group = name, command, stop_signal, signal_group
        self.batch = batch  # children started together stop together, later batches first
        self.log_path = log_dir / f"{name}.log"
        if self.log_path.exists():
            self.log_path.replace(self.log_path.with_suffix(".log.1"))  # keep the previous run's log
        with open(self.log_path, "wb") as log:
            # no stop signal may land between fork and Popen's return: the child would go unrecorded
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
            try:
                extra = {"user": user, "group": group, "extra_groups": []} if user is not None else {}
                self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True,
                                                preexec_fn=_child_setup, cwd=cwd, **extra)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

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
        _killpg(self.process.pid, signal.SIGKILL)
        return self.process.returncode


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# --- the stack --------------------------------------------------------------------------------

@dataclass
class StackInfo:
    api_url: str
    ui_url: str
    aws_endpoint: str
    postgres_url: str
    postgres_source: str  # "given", "the machine's" or "private"
    startup_s: float = 0.0


class Stack:
    def __init__(self, options: StackOptions, say: Callable[[str], None]):
        self.options = options
        self.say = say
        self.children: list[Child] = []
        self.stopping = False
        self.state: dict = {}
        self.info: StackInfo | None = None
        self.instance = None  # the supervisor's own view of Dagster's instance (heartbeats)

    # starting ---------------------------------------------------------------------------------

    def start(self) -> StackInfo:
        started = time.monotonic()
        options = self.options
        self._refuse_a_second_stack()
        _check_port(options.host, options.api_port, "--api-port", "the API")
        _check_port(options.host, options.ui_port, "--ui-port", "the Dagster UI")
        if not options.aws_endpoint:
            _check_port("127.0.0.1", options.aws_port, "--aws-port", "the moto server (SQS and S3)")
            _require_moto()
        options.log_dir.mkdir(parents=True, exist_ok=True)
        self.state = {"status": "starting", "pid": os.getpid(), "home": str(options.home), "started_at": _now(),
                      "children": []}
        self._save()

        postgres_url, source = self._postgres()
        env = self._child_env(postgres_url)
        moto = None
        if options.aws_endpoint:
            endpoint = options.aws_endpoint.rstrip("/")
        else:
            endpoint = f"http://127.0.0.1:{options.aws_port}"
            self.say(f"starting the moto server (SQS and S3) on {endpoint}")
            moto = self._spawn("moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                        "-p", str(options.aws_port)], env, batch=1)
        env["AWS_ENDPOINT_URL"] = endpoint
        # Dagster's tables, created once here while moto boots: the daemon, the webserver and the
        # API would otherwise race to create them on a fresh database.
        self.say("preparing Dagster's instance in Postgres")
        self.instance = _prepare_instance(options.dagster_home, postgres_url, options.max_concurrent_runs)
        if moto is not None:
            self._wait(lambda: _http_ok(f"{endpoint}/moto-api/"), [moto], "to answer", timeout_s=60)
        queue_url, dlq_url = self._bucket_and_queues(endpoint, env)
        env.update({"FILMSTUDIO_QUEUE_URL": queue_url, "FILMSTUDIO_DLQ_URL": dlq_url})

        host, probe = options.host, _probe_host(options.host)
        api_url, ui_url = f"http://{_url_host(host)}:{options.api_port}", f"http://{_url_host(host)}:{options.ui_port}"
        self.say("starting dagster-daemon, dagster-webserver and the API")
        daemon_started = time.time()
        daemon = self._spawn("dagster-daemon", [sys.executable, "-m", "dagster._daemon", "run",
                                                "-m", DEFINITIONS_MODULE], env, batch=2)
        webserver = self._spawn("dagster-webserver", [sys.executable, "-m", "dagster_webserver",
                                                      "-m", DEFINITIONS_MODULE, "-h", host,
                                                      "-p", str(options.ui_port)], env, batch=2)
        api = self._spawn("api", [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
                                  "--host", host, "--port", str(options.api_port)], env, batch=2)
        self._save(env=_recorded_env(env), urls={"api": api_url, "docs": f"{api_url}/docs", "ui": ui_url,
                                                  "aws": endpoint},
                   postgres_url=postgres_url, postgres=source)
        everyone = [child for child in self.children]
        self._wait(lambda: _http_ok(f"http://{probe}:{options.api_port}/health"), everyone, "to answer /health",
                   who=api)
        self.say(f"API up on {api_url}")
        self._wait(lambda: _http_ok(f"http://{probe}:{options.ui_port}/server_info"), everyone,
                   "to answer /server_info", who=webserver)
        self.say(f"Dagster UI up on {ui_url}")
        self._wait(lambda: _daemon_heartbeat_since(self.instance, daemon_started), everyone,
                   "to report a heartbeat", who=daemon)
        self.say("dagster-daemon running")
        self.instance.dispose()  # its connections are not needed any more
        self.instance = None

        self.info = StackInfo(api_url=api_url, ui_url=ui_url, aws_endpoint=endpoint, postgres_url=postgres_url,
                              postgres_source=source, startup_s=time.monotonic() - started)
        self._save(status="running", startup_s=round(self.info.startup_s, 1))
        return self.info

    def _refuse_a_second_stack(self) -> None:
        state = read_state(self.options.home)
        if not state or state.get("status") == "stopped":
            return
        pid = state.get("pid")
        if _is_stack_supervisor(pid):
            api = state.get("urls", {}).get("api")
            raise StackError(f"a stack from {self.options.home} is already running (pid {pid}"
                             f"{', API ' + api if api else ''}); stop it first (Ctrl-C in its terminal, or kill "
                             "it) or set another FILMSTUDIO_HOME")
        # the last supervisor was killed outright: stop what its children's process groups left behind
        groups = {child["pid"]: child["name"] for child in state.get("children", [])
                  if isinstance(child.get("pid"), int)}
        for pid, group in _processes_of(self.options.home):
            if group in groups:
                self.say(f"stopping pid {pid} ({groups[group]}), left running by a stack that was killed")
                _kill(pid, signal.SIGKILL)

    def _postgres(self) -> tuple[str, str]:
        """(psycopg2 URL, where it came from): the given one, the machine's, or a private cluster."""
        if self.options.postgres_url:
            url = check_postgres_url(self.options.postgres_url)
            self.say(f"Postgres: {hide_password(url)}")
            return url, "given"
        url, reason = machine_database()
        if url:
            self.say(f"Postgres: the machine's, database {DATABASE_NAME!r} at {MACHINE_POSTGRES['host']}:"
                     f"{MACHINE_POSTGRES['port']}")
            return url, "the machine's"
        self.say(f"no Postgres at {MACHINE_POSTGRES['host']}:{MACHINE_POSTGRES['port']} ({reason}); starting a "
                 f"private cluster under {self.options.postgres_data}")
        cluster = prepare_private_cluster(self.options.postgres_data, self.options.log_dir, reason, self.say)
        postgres = self._spawn("postgres", cluster.command(), cluster.env(self.options.home), batch=0,
                               user=cluster.user, group=cluster.group, cwd=cluster.data,
                               # SIGINT is Postgres's fast shutdown; its own children are its to stop
                               stop_signal=signal.SIGINT, signal_group=False)
        self._wait(cluster.ready, [postgres], "to accept connections", timeout_s=60)
        return cluster.url, "private"

    def _child_env(self, postgres_url: str) -> dict:
        options = self.options
        env = {name: value for name, value in os.environ.items() if name != "DAGSTER_HOME"}
        if not options.aws_endpoint and not env.get("AWS_ACCESS_KEY_ID"):
            env.update(DUMMY_AWS_CREDENTIALS)
        write_service_home(options.dagster_home)
        env.update({
            "FILMSTUDIO_PROFILE": "service",
            "FILMSTUDIO_HOME": str(options.home),
            "DAGSTER_HOME": str(options.dagster_home),
            "FILMSTUDIO_POSTGRES_URL": postgres_url,
            "FILMSTUDIO_BUCKET": options.bucket,
            "AWS_REGION": options.region,
            "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION") or options.region,
            "FILMSTUDIO_MAX_CONCURRENT_RUNS": str(options.max_concurrent_runs),
            "PYTHONUNBUFFERED": "1",  # logs as they happen
        })
        return env

    def _bucket_and_queues(self, endpoint: str, env: dict) -> tuple[str, str]:
        credentials = {name: env[name] for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
                       if env.get(name)}
        urls = prepare_aws(endpoint, self.options.bucket, self.options.region, QUEUE_NAME, credentials)
        self.say(f"bucket {self.options.bucket!r}, queues {QUEUE_NAME!r} and {QUEUE_NAME + '-dlq'!r} ready")
        return urls

    def _spawn(self, name: str, command: list[str], env: dict, *, batch: int, **kwargs) -> Child:
        """Start a child; `batch` orders stopping: higher batches stop first, one batch together."""
        child = Child(name, command, env, self.options.log_dir, batch=batch, **kwargs)
        self.children.append(child)
        self.state["children"].append({"name": name, "pid": child.pid, "log": str(child.log_path)})
        self._save()
        return child

    def _wait(self, ready: Callable[[], bool], watched: list[Child], what: str, *, who: Child | None = None,
              timeout_s: float = STARTUP_TIMEOUT_S) -> None:
        """Poll ready() until it is true; fail as soon as a watched child exits, or at the timeout."""
        who = who or watched[0]
        deadline = time.monotonic() + timeout_s
        while not ready():
            for child in watched:
                if child.poll() is not None:
                    raise ChildFailed(child, f"exited with code {child.poll()} while starting")
            if time.monotonic() > deadline:
                raise ChildFailed(who, f"did not come up within {timeout_s:.0f} s (waiting for it {what})")
            time.sleep(0.2)

    def _save(self, **changes) -> None:
        self.state.update(changes)
        _write_state(self.options.state_path, self.state)

    # running and stopping ---------------------------------------------------------------------

    def watch(self) -> None:
        """Return only by exception: ChildFailed when a child exits, StopRequested on a signal."""
        while True:
            for child in self.children:
                code = child.poll()
                if code is not None:
                    raise ChildFailed(child, f"exited unexpectedly with code {code}")
            time.sleep(0.5)

    def stop(self, exit_code: int) -> None:
        """Stop the children in reverse start order, a batch started together at a time (the
        services, then moto, then a private Postgres), each batch SIGKILLed after STOP_TIMEOUT_S."""
        self.stopping = True
        for batch in sorted({child.batch for child in self.children}, reverse=True):
            children = [child for child in reversed(self.children) if child.batch == batch]
            for child in children:
                if child.poll() is None:
                    self.say(f"stopping {child.name} (pid {child.pid})")
                child.ask_to_stop()
            deadline = time.monotonic() + STOP_TIMEOUT_S
            for child in children:
                code = child.finish(deadline)
                for record in self.state.get("children", []):
                    if record["pid"] == child.pid:
                        record["exit_code"] = code
        if self.instance is not None:
            self.instance.dispose()
            self.instance = None
        if self.state:
            self._save(status="stopped", stopped_at=_now(), exit_code=exit_code)


def run_stack(options: StackOptions, out=None, err=None) -> int:
    """`filmstudio up`: start, print the summary, supervise until a signal or a child's death."""
    out, err = out or sys.stdout, err or sys.stderr
    began = time.monotonic()

    def say(message: str) -> None:
        print(f"[{time.monotonic() - began:5.1f}s] {message}", file=err, flush=True)

    stack = Stack(options, say)

    def request_stop(number, frame):  # noqa: ARG001
        if stack.stopping:
            say(f"{signal.Signals(number).name}: already stopping")
            return
        stack.stopping = True
        raise StopRequested(signal.Signals(number).name)

    previous = {number: signal.signal(number, request_stop) for number in STOP_SIGNALS}
    exit_code = EXIT_STOPPED
    try:
        try:
            info = stack.start()
            print(summary(info, options), file=out, flush=True)
            stack.watch()
        except StopRequested as stop:
            say(f"{stop}: stopping the stack")
        except (StackError, PostgresError) as error:
            print(f"filmstudio: error: {error}", file=err, flush=True)
            exit_code = EXIT_CANNOT_START
        except ChildFailed as failure:
            print(f"filmstudio: {failure}", file=err, flush=True)
            print("filmstudio: stopping the rest of the stack", file=err, flush=True)
            exit_code = EXIT_CHILD_FAILED
    except StopRequested:  # a signal while reporting a failure: stop all the same
        pass
    finally:
        while True:  # the handler raises at most once more, if it ran before `stopping` was set
            try:
                stack.stopping = True
                stack.stop(exit_code)
                break
            except StopRequested:
                continue
        for number, handler in previous.items():
            signal.signal(number, handler)
    if stack.state:  # something was started
        say(f"stopped (exit {exit_code})")
    return exit_code


def summary(info: StackInfo, options: StackOptions) -> str:
    aws = (f"{info.aws_endpoint} (moto)" if not options.aws_endpoint else info.aws_endpoint)
    return "\n".join([
        f"filmstudio service stack is up ({info.startup_s:.1f} s)",
        f"  API:         {info.api_url}   (docs: {info.api_url}/docs)",
        f"  Dagster UI:  {info.ui_url}",
        f"  Postgres:    {hide_password(info.postgres_url)} ({info.postgres_source})",
        f"  SQS and S3:  {aws}; bucket {options.bucket}, queue {QUEUE_NAME}",
        "  API key:     filmstudio keys create TENANT   (send it as the X-API-Key header)",
        f"  logs:        {options.log_dir}/",
        f"  state:       {options.state_path}",
        "Ctrl-C (or SIGTERM) stops everything.",
    ])


# --- the bucket, the queues and Dagster's tables (also the docker-compose `init` step) ------------

def prepare_aws(endpoint: str | None, bucket: str, region: str, queue_name: str,
                credentials: dict | None = None) -> tuple[str, str]:
    """Create (or find) the media bucket and the queue pair `queue_name` / `queue_name-dlq`;
    return (queue URL, DLQ URL)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from resources.queue import ensure_queues

    credentials = credentials or {}
    session = boto3.session.Session(aws_access_key_id=credentials.get("AWS_ACCESS_KEY_ID"),
                                    aws_secret_access_key=credentials.get("AWS_SECRET_ACCESS_KEY"),
                                    aws_session_token=credentials.get("AWS_SESSION_TOKEN"), region_name=region)
    try:
        s3 = session.client("s3", endpoint_url=endpoint)
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        try:
            s3.create_bucket(Bucket=bucket, **location)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        return ensure_queues(session.client("sqs", endpoint_url=endpoint), queue_name)
    except (BotoCoreError, ClientError) as error:
        raise StackError(f"cannot create the bucket {bucket!r} and the queues {queue_name!r} at "
                         f"{endpoint or 'AWS'}: {error}") from None


def prepare_service_from_environment() -> None:
    """`python -m film_assets.service.stack prepare`: what `filmstudio up` prepares before starting
    the services, from the service profile's settings (docker-compose's `init` service runs it):
    the bucket, the queues FILMSTUDIO_QUEUE_URL and FILMSTUDIO_DLQ_URL name, and Dagster's tables."""
    from resources.profiles import ServiceSettings, current_environment

    settings = ServiceSettings.from_environment()
    if settings.missing():
        raise StackError(f"set {', '.join(settings.missing())} (see resources/profiles.py SERVICE_ENV)")
    name = settings.queue_url.rstrip("/").rsplit("/", 1)[-1]
    dlq_name = settings.dead_letter_queue_url.rstrip("/").rsplit("/", 1)[-1]
    if dlq_name != f"{name}-dlq":
        raise StackError(f"FILMSTUDIO_DLQ_URL names {dlq_name!r}; the dead-letter queue of {name!r} is {name}-dlq")
    queue_url, dlq_url = prepare_aws(settings.endpoint_url, settings.bucket, settings.region_name, name)
    _prepare_instance(current_environment().dagster_home, settings.postgres_url,
                      os.environ.get("FILMSTUDIO_MAX_CONCURRENT_RUNS") or str(DEFAULT_MAX_CONCURRENT_RUNS)).dispose()
    print(f"prepared: bucket {settings.bucket}, queues {queue_url} and {dlq_url}, Dagster's tables in "
          f"{hide_password(settings.postgres_url)}")


# --- `filmstudio keys create` ------------------------------------------------------------------

def postgres_url_for_commands(explicit: str | None, home: Path) -> tuple[str, str]:
    """The database another command (keys create) should use, and where it came from:
    --postgres-url, else FILMSTUDIO_POSTGRES_URL, else the stack recorded in stack.json."""
    from resources.profiles import ServiceSettings

    if explicit:
        return psycopg2_url(explicit), "--postgres-url"
    configured = ServiceSettings.from_environment().postgres_url
    if configured:
        return psycopg2_url(configured), "FILMSTUDIO_POSTGRES_URL"
    state = read_state(home)
    if state and state.get("postgres_url"):
        status = state.get("status", "unknown")
        return state["postgres_url"], f"{state_path(home)} (a stack that is {status})"
    raise StackError("no database to keep the key in: pass --postgres-url URL, set FILMSTUDIO_POSTGRES_URL, or "
                     f"start the stack with `filmstudio up` (it records its database in {state_path(home)})")


# --- helpers --------------------------------------------------------------------------------

def _is_stack_supervisor(pid) -> bool:
    """Is pid alive and a `filmstudio up`? (Linux; elsewhere: is it alive.)"""
    if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.parent.exists():
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            return False
        return b"up" in words and any(b"filmstudio" in word or b"film_assets" in word for word in words)
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _processes_of(home: Path) -> list[tuple[int, int]]:
    """(pid, process group) of every live process started for this FILMSTUDIO_HOME: its environment
    says FILMSTUDIO_HOME=home (Linux /proc; elsewhere none are found)."""
    marker, found = f"FILMSTUDIO_HOME={home}".encode(), []
    proc = Path("/proc")
    for entry in proc.iterdir() if proc.is_dir() else []:
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                stat = (entry / "stat").read_text()
                fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp ...
                if fields[0] != "Z":
                    found.append((int(entry.name), int(fields[2])))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _prepare_instance(dagster_home: Path, postgres_url: str, max_concurrent_runs: str):
    """Open the service instance here once, which creates Dagster's tables in a fresh database."""
    from film_assets.service.instance import service_instance

    os.environ["FILMSTUDIO_MAX_CONCURRENT_RUNS"] = str(max_concurrent_runs)
    try:
        return service_instance(dagster_home, postgres_url)
    except Exception as error:  # noqa: BLE001 - any failure here means the database is not usable
        raise StackError(f"cannot open Dagster's instance in {hide_password(postgres_url)}: "
                         f"{first_line(error)}") from None


def _daemon_heartbeat_since(instance, since: float) -> bool:
    """Has a daemon written a heartbeat to the instance since `since` (a wall-clock time)?"""
    try:
        heartbeats = instance.get_daemon_heartbeats()
    except Exception:  # noqa: BLE001 - a transient database error: ask again
        return False
    return any(beat.timestamp >= since - 1 for beat in heartbeats.values())


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 300
    except (OSError, urllib.error.HTTPError):
        return False


def _check_port(host: str, port: int, flag: str, what: str) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise StackError(f"{host}:{port} for {what} is not free ({error.strerror}); choose another with "
                             f"{flag} PORT") from None


def _probe_host(host: str) -> str:
    """Where to reach a server listening on host from this machine."""
    return {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, _url_host(host))


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _require_moto() -> None:
    import importlib.util

    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
        raise StackError("the local SQS and S3 need moto's server: pip install 'film-assets[stack]' "
                         "(or 'moto[server]'), or pass --aws-endpoint URL for another endpoint")


def _recorded_env(env: dict) -> dict:
    """The stack's own settings, for stack.json (not the whole environment, no AWS secrets)."""
    from resources.profiles import SERVICE_ENV

    names = set(SERVICE_ENV.values()) | set(STACK_ENV)
    return {name: env[name] for name in sorted(names) if name in env}


if __name__ == "__main__":
    if sys.argv[1:] != ["prepare"]:
        sys.exit("usage: python -m film_assets.service.stack prepare")
    try:
        prepare_service_from_environment()
    except StackError as failure:
        sys.exit(f"prepare: {failure}")
