"""A burst of real renders: `--films` full renders of a short film submitted through the API within
a second, on the stack `filmstudio up` runs (two runs at a time, one per project).

    .venv/bin/python bench/burst_bench.py [--films 20] [--same-project 4] [--width 640 --height 360]

`--same-project` more submissions are re-renders of projects already in the burst (sent right after
them, so they wait for the first run of their project), so the per-project limit is exercised: no
two runs of one project may overlap. It
prints every film's time from submit to delivered film, p50/p95, the throughput in films per hour,
and whether any two runs of one project overlapped.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.service_bench import Stack  # noqa: E402

FILM = """Title: Burst

INT. STATION - NIGHT

Rain on the glass. A train pulls in.

MARA
Last one tonight.

JONAH
Then we take it.
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--films", type=int, default=20)
    parser.add_argument("--same-project", type=int, default=4)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    args = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C, so the stack is stopped and its database dropped, not orphaned
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    from dagster import DagsterRunStatus, RunsFilter

    from film_assets.contract import JOB_ID_TAG

    settings = {"width": args.width, "height": args.height}
    with tempfile.TemporaryDirectory(prefix="burst-bench-") as folder:
        stack = Stack(Path(folder))
        try:
            instance = stack.instance()
            began = time.time()
            jobs, projects = [], []
            for index in range(args.films):
                answer = stack.client.post(
                    "/projects", json={"screenplay": FILM, "title": f"Burst {index}", "settings": settings}
                )
                answer.raise_for_status()
                jobs.append(answer.json()["job_id"])
                projects.append(answer.json()["project_id"])
            for project in projects[: args.same_project]:
                answer = stack.client.post(f"/projects/{project}/renders", json={})
                answer.raise_for_status()
                jobs.append(answer.json()["job_id"])
            submitted_in = time.time() - began
            print(f"{len(jobs)} submissions in {submitted_in:.2f} s; rendering ...", flush=True)
            deadline = time.monotonic() + 3600
            while True:
                records = instance.get_run_records(RunsFilter(tags={JOB_ID_TAG: jobs}))
                finished = [r for r in records if r.dagster_run.is_finished]
                if len(finished) == len(jobs):
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"only {len(finished)} of {len(jobs)} films finished within an hour")
                print(f"  {len(finished)}/{len(jobs)} finished after {time.time() - began:.0f} s", flush=True)
                time.sleep(10)
        finally:
            stack.stop()
    failed = [r.dagster_run.run_id for r in records if r.dagster_run.status != DagsterRunStatus.SUCCESS]
    to_film = [r.end_time - began for r in records if r.dagster_run.tags.get("filmstudio/action") != "rerender"]
    spans: dict[str, list[tuple[float, float]]] = {}
    for r in records:
        spans.setdefault(r.dagster_run.tags["dagster/partition"], []).append((r.start_time, r.end_time))
    overlaps = [
        project
        for project, runs in spans.items()
        for (a_start, a_end), (b_start, b_end) in zip(sorted(runs), sorted(runs)[1:], strict=False)
        if b_start < a_end
    ]
    total = max(to_film)  # the last new film delivered
    print("\n== burst ==")
    print(f"films: {args.films} new projects and {args.same_project} re-renders of them, {settings}")
    print(f"succeeded: {len(jobs) - len(failed)}; failed: {failed or 'none'}")
    print(
        f"submit to film: p50 {statistics.median(to_film):.1f} s, p95 {percentile(to_film, 0.95):.1f} s, "
        f"max {max(to_film):.1f} s"
    )
    print(
        f"all {len(to_film)} films in {total:.0f} s: {3600 * len(to_film) / total:.0f} films per hour on this machine"
    )
    print(f"with the re-renders, every run ended {max(r.end_time for r in records) - began:.0f} s after the burst")
    print(f"runs of one project overlapping: {overlaps or 'none'}")


if __name__ == "__main__":
    main()
