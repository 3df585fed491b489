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
and exits 0. A child that dies once it is up is started again after a backoff, logged and counted
in stack.json (restarts.py); one that keeps dying, or dies while starting, is reported with its log
and stops everything (exit 1).

This module orchestrates; the parts are bindings/processes.py (the child processes), state.py (stack.json,
leftovers of a killed stack), options.py (the command's options), child_env.py (the children's
environment), prepare.py (bucket, queues, Dagster's tables), probes.py (free ports, readiness),
restarts.py (when a dead child is started again) and summary.py (what is printed once up).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable

from film_assets.bindings.processes import STOP_SIGNALS, Child, ChildFailed
from film_assets.dagster_internals import daemon_command
from film_assets.stack.child_env import child_env, recorded_env
from film_assets.stack.options import StackOptions
from film_assets.stack.postgres import (
    DATABASE_NAME,
    MACHINE_POSTGRES,
    PostgresError,
    check_postgres_url,
    hide_password,
    machine_database,
    prepare_private_cluster,
)
from film_assets.stack.prepare import prepare_aws, prepare_instance
from film_assets.stack.probes import check_port, daemon_heartbeat_since, http_ok, probe_host, require_moto, url_host
from film_assets.stack.restarts import RestartPolicy
from film_assets.stack.state import StackError, now, refuse_a_second_stack, write_state
from film_assets.stack.summary import QUEUE_NAME, StackInfo, summary

DEFINITIONS_MODULE = "film_assets.definitions"
STARTUP_TIMEOUT_S = 120.0  # a first start compiles bytecode and creates Dagster's tables
STOP_TIMEOUT_S = 10.0
EXIT_STOPPED = 0
EXIT_CHILD_FAILED = 1
EXIT_CANNOT_START = 2


class StopRequested(Exception):
    """SIGINT, SIGTERM or SIGHUP arrived: stop everything and exit 0."""


# --- the stack --------------------------------------------------------------------------------


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
        refuse_a_second_stack(options.home, self.say)
        check_port(options.host, options.api_port, "--api-port", "the API")
        check_port(options.host, options.ui_port, "--ui-port", "the Dagster UI")
        if not options.aws_endpoint:
            check_port("127.0.0.1", options.aws_port, "--aws-port", "the moto server (SQS and S3)")
            require_moto()
        options.log_dir.mkdir(parents=True, exist_ok=True)
        self.state = {
            "status": "starting",
            "pid": os.getpid(),
            "home": str(options.home),
            "started_at": now(),
            "children": [],
        }
        self._save()

        postgres_url, source = self._postgres()
        env = child_env(options, postgres_url)
        moto = None
        if options.aws_endpoint:
            endpoint = options.aws_endpoint.rstrip("/")
        else:
            endpoint = f"http://127.0.0.1:{options.aws_port}"
            self.say(f"starting the moto server (SQS and S3) on {endpoint}")
            moto = self._spawn(
                "moto",
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(options.aws_port)],
                env,
                batch=1,
            )
        env["AWS_ENDPOINT_URL"] = endpoint
        # Dagster's tables, created once here while moto boots: the daemon, the webserver and the
        # API would otherwise race to create them on a fresh database.
        self.say("preparing Dagster's instance in Postgres")
        self.instance = prepare_instance(options.dagster_home, postgres_url, options.max_concurrent_runs)
        if moto is not None:
            self._wait(lambda: http_ok(f"{endpoint}/moto-api/"), [moto], "to answer", timeout_s=60)
        queue_url, dlq_url = self._bucket_and_queues(endpoint, env)
        env.update({"FILMSTUDIO_QUEUE_URL": queue_url, "FILMSTUDIO_DLQ_URL": dlq_url})

        host, probe = options.host, probe_host(options.host)
        api_url, ui_url = f"http://{url_host(host)}:{options.api_port}", f"http://{url_host(host)}:{options.ui_port}"
        self.say("starting dagster-daemon, dagster-webserver and the API")
        daemon_started = time.time()
        daemon = self._spawn(
            "dagster-daemon", daemon_command(sys.executable, "run", "-m", DEFINITIONS_MODULE), env, batch=2
        )
        webserver = self._spawn(
            "dagster-webserver",
            [
                sys.executable,
                "-m",
                "dagster_webserver",
                "-m",
                DEFINITIONS_MODULE,
                "-h",
                host,
                "-p",
                str(options.ui_port),
            ],
            env,
            batch=2,
        )
        api = self._spawn(
            "api",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.app:create_app",
                "--factory",
                "--host",
                host,
                "--port",
                str(options.api_port),
            ],
            env,
            batch=2,
        )
        self._save(
            env=recorded_env(env),
            urls={"api": api_url, "docs": f"{api_url}/docs", "ui": ui_url, "aws": endpoint},
            postgres_url=postgres_url,
            postgres=source,
        )
        everyone = [child for child in self.children]
        self._wait(lambda: http_ok(f"http://{probe}:{options.api_port}/health"), everyone, "to answer /health", who=api)
        self.say(f"API up on {api_url}")
        self._wait(
            lambda: http_ok(f"http://{probe}:{options.ui_port}/server_info"),
            everyone,
            "to answer /server_info",
            who=webserver,
        )
        self.say(f"Dagster UI up on {ui_url}")
        self._wait(
            lambda: daemon_heartbeat_since(self.instance, daemon_started), everyone, "to report a heartbeat", who=daemon
        )
        self.say("dagster-daemon running")
        self.instance.dispose()  # its connections are not needed any more
        self.instance = None

        self.info = StackInfo(
            api_url=api_url,
            ui_url=ui_url,
            aws_endpoint=endpoint,
            postgres_url=postgres_url,
            postgres_source=source,
            startup_s=time.monotonic() - started,
        )
        return self.info

    def mark_running(self) -> None:
        """Say in the state file that the stack is up; after its summary is printed, so whoever
        waits for "running" finds the summary already there."""
        self._save(status="running", startup_s=round(self.info.startup_s, 1))

    def _postgres(self) -> tuple[str, str]:
        """(psycopg2 URL, where it came from): the given one, the machine's, or a private cluster."""
        if self.options.postgres_url:
            url = check_postgres_url(self.options.postgres_url)
            self.say(f"Postgres: {hide_password(url)}")
            return url, "given"
        url, reason = machine_database()
        if url:
            self.say(
                f"Postgres: the machine's, database {DATABASE_NAME!r} at {MACHINE_POSTGRES['host']}:"
                f"{MACHINE_POSTGRES['port']}"
            )
            return url, "the machine's"
        self.say(
            f"no Postgres at {MACHINE_POSTGRES['host']}:{MACHINE_POSTGRES['port']} ({reason}); starting a "
            f"private cluster under {self.options.postgres_data}"
        )
        cluster = prepare_private_cluster(self.options.postgres_data, self.options.log_dir, reason, self.say)
        postgres = self._spawn(
            "postgres",
            cluster.command(),
            cluster.env(self.options.home),
            batch=0,
            user=cluster.user,
            group=cluster.group,
            cwd=cluster.data,
            # SIGINT is Postgres's fast shutdown; its own children are its to stop
            stop_signal=signal.SIGINT,
            signal_group=False,
        )
        self._wait(cluster.ready, [postgres], "to accept connections", timeout_s=60)
        return cluster.url, "private"

    def _bucket_and_queues(self, endpoint: str, env: dict) -> tuple[str, str]:
        credentials = {
            name: env[name]
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
            if env.get(name)
        }
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

    def _wait(
        self,
        ready: Callable[[], bool],
        watched: list[Child],
        what: str,
        *,
        who: Child | None = None,
        timeout_s: float = STARTUP_TIMEOUT_S,
    ) -> None:
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
        write_state(self.options.state_path, self.state)

    # running and stopping ---------------------------------------------------------------------

    def watch(self) -> None:
        """Start again a child that dies, after a backoff (restarts.py); return only by exception:
        ChildFailed when a child keeps dying (or is never restarted), StopRequested on a signal."""
        policies = {child.name: RestartPolicy(child.name) for child in self.children}
        due: dict[str, float] = {}  # name -> time.monotonic() of its next start
        while True:
            for child in self.children:
                if child.name in due:
                    if time.monotonic() >= due[child.name]:
                        del due[child.name]
                        self._restart(child, policies[child.name])
                    continue
                code = child.poll()
                if code is None:
                    continue
                policy = policies[child.name]
                delay = policy.died(time.monotonic())
                if delay is None:
                    raise ChildFailed(
                        child, f"exited unexpectedly with code {code}; not restarted: {policy.gave_up_because()}"
                    )
                self.say(f"{child.name} (pid {child.pid}) exited with code {code}; starting it again in {delay:.0f} s")
                self._record(child, last_exit_code=code, last_exit_at=now())
                due[child.name] = time.monotonic() + delay
            time.sleep(0.5)

    def _restart(self, child: Child, policy: RestartPolicy) -> None:
        policy.restarts += 1
        child.restart(f"{now()}: started again by filmstudio up (restart {policy.restarts})")
        self.say(f"{child.name} started again (pid {child.pid}, restart {policy.restarts})")
        self._record(child, pid=child.pid, restarts=policy.restarts)
        self._save(restarts=sum(record.get("restarts", 0) for record in self.state["children"]))

    def _record(self, child: Child, **changes) -> None:
        """Update the child's entry in stack.json (found by name: a restart changes its pid)."""
        for record in self.state.get("children", []):
            if record["name"] == child.name:
                record.update(changes)
        self._save()

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
                    if record["name"] == child.name:
                        record["exit_code"] = code
        if self.instance is not None:
            self.instance.dispose()
            self.instance = None
        if self.state:
            self._save(status="stopped", stopped_at=now(), exit_code=exit_code)


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
            stack.mark_running()
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
