"""Soak with chaos: the real stack (`filmstudio up`: API, dagster-daemon with the SQS sensor, moto,
Postgres) takes a stream of render requests while its parts are killed, and nothing may be lost or
run twice.

    .venv/bin/python bench/soak.py [--requests 1000] [--daemon-kills 10] [--api-kills 1]
                                   [--postgres-restarts 1] [--seed 7]

Requests come in bursts, half through the API (POST /projects/{id}/renders) and half straight onto
SQS; 10% of the SQS ones are delivered twice and 5% of all requests are poison of several kinds
(bad JSON, a bad message, a screenplay outside its project or missing, another tenant's project
through SQS; a malformed screenplay, an unknown asset, another tenant's project through the API).
Each run is cheap (the first two assets of a two-line screenplay), so the soak measures delivery,
not rendering. Meanwhile the daemon's whole process group is SIGKILLed at random moments (at
least 30 s apart: `filmstudio up` starts it again), the API once, and Postgres (a private cluster)
is stopped for 10 s once. The API client retries a 503 or a dropped connection, as clients should.

It prints: requests submitted, runs started, runs per job_id (every one must be exactly 1),
lost (0), poison in the dead-letter queue with its reason, poison refused by the API with a 4xx,
runs that failed, restarts `filmstudio up` made, and how long the oldest message waited.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from bench.private_postgres import PrivatePostgres, private_postgres_folder  # noqa: E402
from bench.service_bench import ADMIN_URL, Stack  # noqa: E402

TENANT = "bench"  # the tenant of the stack's API key (service_bench.Stack)
FILM = "Title: Soak\n\nINT. KITCHEN - NIGHT\n\nMara fills the kettle.\n\nMARA\nYou're late.\n"
CHEAP = ["screenplay", "scenes"]
SETTINGS = {"width": 160, "height": 90, "fps": 6}
KILL_SPACING_S = 30  # filmstudio up gives up on a service that dies 5 times in 2 minutes
POSTGRES_DOWN_S = 10


@dataclass
class Ledger:
    """What the soak sent and what came back, for the figures at the end."""

    sent_at: dict[str, float] = field(default_factory=dict)  # job_id -> first send
    duplicated: int = 0
    poison_sqs: dict[str, str] = field(default_factory=dict)  # body -> kind
    poison_api: list[tuple[str, int, str]] = field(default_factory=list)  # kind, status, detail
    api_retries: int = 0
    api_5xx: list[tuple[int, str]] = field(default_factory=list)  # status, detail (503 retried; others here)
    chaos: list[str] = field(default_factory=list)
    chaos_done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _sqs_request(project: str, screenplay_key: str, tenant: str = TENANT):
    from film_assets.contract import new_render_request

    return new_render_request(project, tenant, screenplay_key, action="rerender", assets=CHEAP)


def _poison_sqs(projects: list[str], keys: dict[str, str], rng: random.Random) -> tuple[str, str]:
    project = rng.choice(projects)
    kind = rng.choice(["bad JSON", "not an object", "bad message", "outside its project", "missing", "other tenant"])
    if kind == "bad JSON":
        return kind, '{"job_id": '
    if kind == "not an object":
        return kind, json.dumps(["render", project])
    if kind == "bad message":
        return kind, json.dumps({"job_id": str(uuid.uuid4()), "project_id": project})
    if kind == "outside its project":
        other = next(p for p in projects if p != project)
        return kind, _sqs_request(project, keys[other]).to_body()
    if kind == "missing":
        return kind, _sqs_request(project, f"projects/{project}/submissions/none.fountain").to_body()
    return kind, _sqs_request(project, keys[project], tenant="intruder").to_body()


def _api_call(client: httpx.Client, ledger: Ledger, method: str, path: str, **kwargs) -> httpx.Response:
    """One API call as a careful client makes it: a 503 or a dropped connection is retried."""
    for _ in range(120):
        try:
            answer = client.request(method, path, **kwargs)
        except httpx.TransportError:
            answer = None
        if answer is not None and answer.status_code != 503:
            if answer.status_code >= 500:
                with ledger.lock:
                    ledger.api_5xx.append((answer.status_code, answer.text[:200]))
            return answer
        with ledger.lock:
            ledger.api_retries += 1
        time.sleep(1)
    raise SystemExit(f"{method} {path}: no answer but 503s and dropped connections for two minutes")


def _poison_api(client: httpx.Client, ledger: Ledger, project: str, rng: random.Random) -> None:
    kind = rng.choice(["malformed screenplay", "unknown asset", "other tenant's project"])
    if kind == "malformed screenplay":
        answer = _api_call(client, ledger, "POST", "/projects", json={"screenplay": "INT. \x00", "settings": SETTINGS})
    elif kind == "unknown asset":
        answer = _api_call(client, ledger, "POST", f"/projects/{project}/renders", json={"assets": ["trailer"]})
    else:
        answer = _api_call(client, ledger, "POST", "/projects/someone-elses-film/renders", json={"assets": CHEAP})
    ledger.poison_api.append((kind, answer.status_code, answer.text[:120]))


def send_requests(
    stack: Stack, projects: list[str], keys: dict[str, str], count: int, ledger: Ledger, seed: int, over_s: float
):
    """count requests in bursts of 5 to 40, half through the API, half onto SQS, the bursts spread
    over about over_s seconds (so the chaos lands while requests are still coming)."""
    rng = random.Random(seed)
    queue = stack_settings().queue()
    sent = 0
    while sent < count:
        burst = min(rng.randint(5, 40), count - sent)
        for _ in range(burst):
            project = rng.choice(projects)
            poison, through_api = rng.random() < 0.05, rng.random() < 0.5
            if poison and through_api:
                _poison_api(stack.client, ledger, project, rng)
            elif poison:
                kind, body = _poison_sqs(projects, keys, rng)
                queue.send(body)
                ledger.poison_sqs[body] = kind
            elif through_api:
                answer = _api_call(stack.client, ledger, "POST", f"/projects/{project}/renders", json={"assets": CHEAP})
                if answer.status_code != 202:
                    raise SystemExit(f"a good re-render was refused: {answer.status_code} {answer.text}")
                ledger.sent_at[answer.json()["job_id"]] = time.time()
            else:
                request = _sqs_request(project, keys[project])
                ledger.sent_at[request.job_id] = time.time()
                queue.send(request.to_body())
                if rng.random() < 0.10:  # SQS may deliver a message twice
                    queue.send(request.to_body())
                    ledger.duplicated += 1
            sent += 1
        time.sleep(rng.uniform(0.5, 1.5) * over_s * burst / count)


def stack_settings():
    """The stack's service settings (Stack.instance() exported its environment to this process)."""
    from resources.profiles import ServiceSettings

    return ServiceSettings.from_environment()


def _child_pid(stack: Stack, name: str) -> int:
    state = json.loads((stack.home / "service" / "stack.json").read_text())
    return next(child["pid"] for child in state["children"] if child["name"] == name)


def chaos(stack: Stack, postgres: PrivatePostgres | None, args, ledger: Ledger, stop: threading.Event, rng):
    """The kills, at random moments of the expected run, in random order."""
    plan = ["daemon"] * args.daemon_kills + ["api"] * args.api_kills + ["postgres"] * args.postgres_restarts
    rng.shuffle(plan)
    began = time.monotonic()
    for index, what in enumerate(plan):
        # spread over the sending phase, at least KILL_SPACING_S apart, jittered
        wait = max(KILL_SPACING_S, rng.uniform(0.5, 1.5) * args.expected_s / (len(plan) + 1))
        if stop.wait(wait):
            return
        at = f"{time.monotonic() - began:6.1f} s"
        if what == "postgres":
            postgres.stop()
            time.sleep(POSTGRES_DOWN_S)
            postgres.start()
            ledger.chaos.append(f"{at}: Postgres stopped for {POSTGRES_DOWN_S} s")
        else:
            name = "dagster-daemon" if what == "daemon" else "api"
            pid = _child_pid(stack, name)
            os.killpg(pid, signal.SIGKILL)
            ledger.chaos.append(f"{at}: SIGKILL to {name}'s process group (pid {pid})")
        print(f"  chaos {index + 1}/{len(plan)}: {ledger.chaos[-1]}", flush=True)
    ledger.chaos_done.set()
    # Stay until the soak ends: Postgres started again from this thread gets SIGTERM when the
    # thread ends (the parent-death signal every child of ours asks for follows the thread).
    stop.wait()


def wait_for_the_end(stack: Stack, instance, ledger: Ledger, timeout_s: float) -> None:
    """Until every accepted request has a finished run and the queue is empty (or the timeout)."""
    from dagster import RunsFilter

    from film_assets.contract import JOB_ID_TAG

    queue = stack_settings().queue()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            depth = queue.depth()
            runs = instance.get_runs(RunsFilter(tags={JOB_ID_TAG: list(ledger.sent_at)}))
        except Exception as error:  # noqa: BLE001 - the observer outlives an outage it caused
            print(f"  (cannot look now: {str(error).splitlines()[0][:100]})", flush=True)
            time.sleep(10)
            continue
        done = {
            run.tags[JOB_ID_TAG] for run in runs if run.is_finished and run.tags.get("dagster/will_retry") != "true"
        }
        print(f"  {len(done)}/{len(ledger.sent_at)} requests have a finished run; queue {depth}", flush=True)
        if len(done) >= len(ledger.sent_at) and not any(depth.values()) and ledger.chaos_done.is_set():
            return
        time.sleep(10)


def report(stack: Stack, instance, ledger: Ledger, elapsed_s: float) -> dict:
    from dagster import DagsterRunStatus, RunsFilter

    from film_assets.contract import JOB_ID_TAG

    records = instance.get_run_records(RunsFilter(tags={JOB_ID_TAG: list(ledger.sent_at)}))
    runs = [record.dagster_run for record in records]
    roots = [record for record in records if "dagster/parent_run_id" not in record.dagster_run.tags]
    per_job = Counter(record.dagster_run.tags[JOB_ID_TAG] for record in roots)
    newest = {}  # job_id -> its newest run (a retry, if its worker died)
    for record in sorted(records, key=lambda record: record.create_timestamp):
        newest[record.dagster_run.tags[JOB_ID_TAG]] = record.dagster_run
    waits = [
        record.create_timestamp.timestamp() - ledger.sent_at[record.dagster_run.tags[JOB_ID_TAG]] for record in roots
    ]
    dead = _dead_letters(stack)
    poison_found = {body: reason for body, reason in dead.items() if body in ledger.poison_sqs}
    state = json.loads((stack.home / "service" / "stack.json").read_text())
    return {
        "elapsed_s": round(elapsed_s, 1),
        "requests_accepted": len(ledger.sent_at),
        "duplicate_deliveries_sent": ledger.duplicated,
        "runs_started": len(roots),
        "retries_of_runs_whose_worker_died": len(runs) - len(roots),
        "job_ids_with_exactly_one_run": sum(1 for count in per_job.values() if count == 1),
        "job_ids_with_more_than_one_run": sorted(job for job, count in per_job.items() if count > 1),
        "lost": sorted(set(ledger.sent_at) - set(per_job)),
        "failed": sorted(job for job, run in newest.items() if run.status != DagsterRunStatus.SUCCESS),
        "poison_sent_to_sqs": len(ledger.poison_sqs),
        "poison_in_dlq_with_reason": sum(1 for reason in poison_found.values() if reason),
        "poison_kinds": dict(Counter(ledger.poison_sqs.values())),
        "poison_reasons": sorted({reason for reason in poison_found.values()})[:12],
        "good_requests_in_dlq": sorted(set(dead) - set(ledger.poison_sqs))[:5],
        "poison_sent_to_api": len(ledger.poison_api),
        "poison_refused_by_api_4xx": sum(1 for _, status, _ in ledger.poison_api if 400 <= status < 500),
        "api_503_or_dropped_retried": ledger.api_retries,
        "api_5xx_not_503": ledger.api_5xx,
        "restarts_by_filmstudio_up": state.get("restarts", 0),
        "chaos": ledger.chaos,
        "oldest_message_wait_s": round(max(waits), 1) if waits else None,
        "median_message_wait_s": round(statistics.median(waits), 1) if waits else None,
    }


def _dead_letters(stack: Stack) -> dict[str, str]:
    """Every message in the dead-letter queue: body -> reason (a copy left by a crash counts once)."""
    from resources.queue import REASON_ATTRIBUTE

    settings = stack_settings()
    client, url = settings.queue().client, settings.queue().dead_letter_url
    found, empty_reads = {}, 0
    while empty_reads < 3:
        answer = client.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=600
        )
        messages = answer.get("Messages", [])
        empty_reads = 0 if messages else empty_reads + 1
        for message in messages:
            reason = message.get("MessageAttributes", {}).get(REASON_ATTRIBUTE, {}).get("StringValue", "")
            found[message["Body"]] = reason
    return found


def seed_projects(stack: Stack, count: int) -> tuple[list[str], dict[str, str]]:
    """count projects made through the API and rendered once (their first run makes them ours)."""
    from film_assets.storage.submission import submission_keys

    projects = []
    for index in range(count):
        answer = stack.client.post(
            "/projects", json={"screenplay": FILM, "title": f"Soak {index}", "settings": SETTINGS}
        )
        answer.raise_for_status()
        projects.append(answer.json()["project_id"])
    deadline = time.monotonic() + 600
    while any(stack.client.get(f"/projects/{p}").json()["state"] != "succeeded" for p in projects):
        if time.monotonic() > deadline:
            raise SystemExit("the seed projects did not render within 10 minutes")
        time.sleep(2)
    return projects, {project: submission_keys(project)[0] for project in projects}


def soak(args, say=print) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    postgres, made, succeeded = None, [folder], False
    if args.postgres_restarts:
        postgres = PrivatePostgres(private_postgres_folder())
        made.append(postgres.folder)
        postgres.start()
    stack = Stack(folder, postgres.admin_url if postgres else args.admin_url)
    stop = threading.Event()
    try:
        instance = stack.instance()
        say(f"stack up; rendering {args.projects} seed projects ...")
        projects, keys = seed_projects(stack, args.projects)
        ledger = Ledger()
        rng = random.Random(args.seed)
        chaos_thread = threading.Thread(target=chaos, args=(stack, postgres, args, ledger, stop, rng), daemon=True)
        began = time.monotonic()
        chaos_thread.start()
        say(f"sending {args.requests} requests in bursts ...")
        send_requests(stack, projects, keys, args.requests, ledger, args.seed, args.expected_s)
        say(f"all sent after {time.monotonic() - began:.0f} s; waiting for every run ...")
        wait_for_the_end(stack, instance, ledger, args.timeout_s)
        figures = report(stack, instance, ledger, time.monotonic() - began)
        succeeded = True
        return figures
    finally:
        stack.stop()
        stop.set()  # only now: a Postgres the chaos thread started again dies with that thread
        if postgres:
            postgres.stop()
        if succeeded:
            for folder_made in made:
                shutil.rmtree(folder_made, ignore_errors=True)
        else:  # a failed soak keeps its stack's logs (and data) to be read
            say(f"the stack's logs are kept in {folder}/service/logs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--daemon-kills", type=int, default=10)
    parser.add_argument("--api-kills", type=int, default=1)
    parser.add_argument("--postgres-restarts", type=int, default=1)
    parser.add_argument("--projects", type=int, default=8, help="projects the requests are spread over")
    parser.add_argument(
        "--expected-s", type=float, default=600, help="seconds the requests are spread over, and the chaos with them"
    )
    parser.add_argument("--timeout-s", type=float, default=3600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--admin-url", default=ADMIN_URL, help="the Postgres to use when none is restarted")
    # SIGTERM unwinds like Ctrl-C, so the stack and the private Postgres are stopped, not orphaned
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    figures = soak(parser.parse_args())
    print("\n== soak ==")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
