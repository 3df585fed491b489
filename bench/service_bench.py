"""Service-mode benchmark: the stack as `filmstudio up` runs it (API, dagster-daemon with the SQS
sensor, dagster-webserver, moto for SQS and S3, Postgres), measured from outside over HTTP.

    .venv/bin/python bench/service_bench.py [--submissions 20] [--projects 10000] [--requests 200]
                                            [--assets-per-project 9]

(a) submission-to-run latency: POST /projects, then the time until the run exists in the instance
    (queued) and until its worker reports STARTED; median and p95 over --submissions. Each run is
    terminated once started, so renders do not pile up and slow the next measurement.
(b) with --projects registered (API rows, Dagster partitions, one finished run each with the last
    --assets-per-project assets materialized in the event log, final_cut always): GET /projects
    (first and a deep page) and GET /projects/{id} p50/p95 over --requests calls; one sensor tick
    taking 10 messages; the UI asset page's partition query for final_cut (bench/ui_query.py).

Needs the Postgres of scripts/postgres.sh (FILMSTUDIO_BENCH_POSTGRES, default
postgresql+psycopg2://postgres@127.0.0.1:5432/postgres); creates and drops its own database.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
import psycopg2  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.bulk_projects import register_projects  # noqa: E402
from bench.ui_query import ui_asset_page, ui_asset_page_in_browser  # noqa: E402

ADMIN_URL = os.environ.get("FILMSTUDIO_BENCH_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
SCRIPT = """Title: Bench Night

INT. KITCHEN - NIGHT

Mara fills the kettle.

MARA
You're late.
"""
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):.3f} s, p95 {p95:.3f} s, max {ordered[-1]:.3f} s (n={len(ordered)})"


def admin(admin_url: str = ADMIN_URL):
    url = make_url(admin_url)
    connection = psycopg2.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, dbname=url.database
    )
    connection.autocommit = True
    return connection, url


class Stack:
    """`filmstudio up` in its own process group, on free ports and a fresh database."""

    def __init__(self, home: Path, admin_url: str = ADMIN_URL):
        self.admin_url = admin_url
        connection, url = admin(admin_url)
        self.database = f"filmstudio_bench_{uuid.uuid4().hex[:8]}"
        connection.cursor().execute(f'CREATE DATABASE "{self.database}"')
        connection.close()
        self.postgres_url = url.set(database=self.database).render_as_string(hide_password=False)
        self.home = home
        self.api = f"http://127.0.0.1:{free_port()}"
        self.ui = f"http://127.0.0.1:{free_port()}"
        env = {**os.environ, **CREDENTIALS, "FILMSTUDIO_HOME": str(home)}
        self.env = env
        self.log = open(home / "up.log", "wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "film_assets.cli",
                "up",
                "--api-port",
                self.api.rsplit(":", 1)[1],
                "--ui-port",
                self.ui.rsplit(":", 1)[1],
                "--aws-port",
                str(free_port()),
                "--postgres-url",
                self.postgres_url,
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"filmstudio up did not come up; see {home / 'up.log'}")
            time.sleep(0.5)
        state = json.loads((home / "service" / "stack.json").read_text())
        self.stack_env = state.get("env", {})
        key = subprocess.run(
            [sys.executable, "-m", "film_assets.cli", "keys", "create", "bench", "--postgres-url", self.postgres_url],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        self.client = httpx.Client(base_url=self.api, headers={"X-API-Key": key.stdout.strip()}, timeout=30)

    def instance(self):
        from film_assets.runs.service_instance import service_instance

        os.environ.update({k: v for k, v in self.stack_env.items() if k.startswith(("FILMSTUDIO_", "AWS_"))})
        os.environ.update(CREDENTIALS)
        return service_instance(self.home / "service" / "dagster_home", self.postgres_url)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        connection, _ = admin(self.admin_url)
        connection.cursor().execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        connection.close()


def submission_latency(stack: Stack, instance, count: int) -> str:
    from dagster import DagsterEventType, DagsterRunStatus, RunsFilter

    from film_assets.contract import JOB_ID_TAG

    queued, launched, started = [], [], []
    for index in range(count):
        sent = time.time()
        answer = stack.client.post(
            "/projects",
            json={"screenplay": SCRIPT, "title": f"Bench {index}", "settings": {"width": 320, "height": 180}},
        )
        answer.raise_for_status()
        job_id = answer.json()["job_id"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            records = instance.get_run_records(RunsFilter(tags={JOB_ID_TAG: job_id}), limit=1)
            if records and records[0].start_time:
                run_id = records[0].dagster_run.run_id
                queued.append(records[0].create_timestamp.timestamp() - sent)
                starting = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_STARTING).records
                launched.append(starting[0].event_log_entry.timestamp - sent if starting else float("nan"))
                started.append(records[0].start_time - sent)
                if records[0].dagster_run.status == DagsterRunStatus.STARTED:
                    instance.run_launcher.terminate(records[0].dagster_run.run_id)
                break
            time.sleep(0.05)
        else:
            raise SystemExit(f"submission {index}: no run started within 120 s")
        print(
            f"  submission {index + 1:2d}: run created after {queued[-1]:.2f} s, launched after {launched[-1]:.2f} s, "
            f"started after {started[-1]:.2f} s",
            flush=True,
        )
    return (
        f"submission -> run created (queued): {quantiles(queued)}\n"
        f"submission -> run launched (left the queue, worker starting): {quantiles(launched)}\n"
        f"submission -> run started (worker running its first step): {quantiles(started)}"
    )


def read_latency(stack: Stack, rendered: str, requests: int, projects: int) -> str:
    def timed(path: str, params: dict | None = None) -> list[float]:
        stack.client.get(path, params=params).raise_for_status()  # warm
        samples = []
        for _ in range(requests):
            began = time.perf_counter()
            stack.client.get(path, params=params).raise_for_status()
            samples.append(time.perf_counter() - began)
        return samples

    page = stack.client.get("/projects", params={"limit": 100}).json()
    deep_pages = max(0, min(40, projects // 100 - 1))
    for _ in range(deep_pages):  # a cursor up to 4,000 projects deep
        page = stack.client.get("/projects", params={"limit": 100, "cursor": page["next_cursor"]}).json()
    lines = []
    for label, path, params in (
        ("GET /projects (first page of 50)", "/projects", {"limit": 50}),
        (
            f"GET /projects (page {deep_pages * 100 + 100:,} deep)",
            "/projects",
            {"limit": 50, "cursor": page["next_cursor"]},
        ),
        ("GET /projects/{id} (bulk project)", f"/projects/bulk-{projects // 2:06d}", None),
        ("GET /projects/{id} (rendered project)", f"/projects/{rendered}", None),
    ):
        samples = [s * 1000 for s in timed(path, params)]
        ordered = sorted(samples)
        lines.append(
            f"{label}: median {statistics.median(ordered):.1f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))]:.1f} ms"
        )
    return "\n".join(lines)


def sensor_tick(stack: Stack, instance) -> str:
    """One tick of the real sensor taking 10 messages, on its own queue (the running daemon
    consumes the stack's queue)."""
    import boto3
    from dagster import build_sensor_context

    from film_assets.contract import new_render_request
    from film_assets.definitions import build_definitions
    from film_assets.domain.projects.settings import ProjectSettings
    from film_assets.storage.submission import submission_keys, submit_screenplay
    from resources.profiles import current_environment
    from resources.queue import ensure_queues

    environment = current_environment()
    samples = []
    for attempt in range(5):
        queue_url, dlq_url = ensure_queues(
            boto3.client("sqs", endpoint_url=environment.service.endpoint_url, region_name="us-east-1"),
            f"bench-tick-{uuid.uuid4().hex[:8]}",
        )
        settings = environment.service.__class__(
            **{**environment.service.__dict__, "queue_url": queue_url, "dead_letter_queue_url": dlq_url}
        )
        defs = build_definitions(environment.__class__(**{**environment.__dict__, "service": settings}))
        sensor = defs.get_sensor_def("render_requests")
        queue, store = settings.queue(), settings.media_store()
        for index in range(10):
            project = f"tick-{attempt}-{index}"
            submit_screenplay(store, project, SCRIPT, "tick.fountain", ProjectSettings())
            queue.send(new_render_request(project, "bench", submission_keys(project)[0]).to_body())
        with build_sensor_context(
            instance=instance,
            instance_ref=instance.get_ref(),
            definitions=defs,
            resources={"queue": queue, "media_store": store},
        ) as context:
            began = time.perf_counter()
            result = sensor(context)
            samples.append(time.perf_counter() - began)
        assert len(result.run_requests) == 10, result
    return f"one sensor tick taking 10 messages: {quantiles(samples)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument(
        "--assets-per-project",
        type=int,
        default=9,
        help="materializations registered per project (9: all; fewer makes 100,000 projects quicker to set up)",
    )
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C, so the stack is stopped and its database dropped, not orphaned
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    with tempfile.TemporaryDirectory(prefix="service-bench-") as folder:
        print("starting the stack (filmstudio up) ...", flush=True)
        stack = Stack(Path(folder))
        try:
            instance = stack.instance()
            print(f"(a) {args.submissions} submissions, one at a time:", flush=True)
            latency = submission_latency(stack, instance, args.submissions) if args.submissions else "(a) skipped"
            print(latency, flush=True)

            print("rendering one project to the end for the status read ...", flush=True)
            rendered = stack.client.post(
                "/projects", json={"screenplay": SCRIPT, "settings": {"width": 320, "height": 180}}
            ).json()
            deadline = time.monotonic() + 300
            while stack.client.get(f"/projects/{rendered['project_id']}").json()["state"] != "succeeded":
                if time.monotonic() > deadline:
                    raise SystemExit("the reference render did not succeed within 300 s")
                time.sleep(1)
            print(f"(b) registering {args.projects} projects ...", flush=True)
            register_projects(stack.postgres_url, instance, args.projects, args.assets_per_project)
            reads = read_latency(stack, rendered["project_id"], args.requests, args.projects)
            print(reads, flush=True)
            tick = sensor_tick(stack, instance)
            ui = ui_asset_page(stack.ui, quantiles) + "\n" + ui_asset_page_in_browser(stack.ui, "bulk-")
            print(ui, flush=True)
        finally:
            stack.stop()
    print("\n== service benchmark ==")
    print(latency)
    print(f"with {args.projects} projects registered:")
    print(reads)
    print(tick)
    print(ui)


if __name__ == "__main__":
    main()
