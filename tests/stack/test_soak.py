"""The soak's small variant (bench/soak.py runs the full one): about 100 render requests through the
API and straight onto SQS, some delivered twice, some poison, while the daemon's whole process
group is SIGKILLed twice. Nothing may be lost or run twice, every poison message reaches the
dead-letter queue with its reason, and `filmstudio up` starts the daemon again each time."""

from __future__ import annotations

import argparse
import os

import pytest

from bench.soak import soak

pytestmark = [pytest.mark.service, pytest.mark.slow]


@pytest.fixture
def own_environment(monkeypatch):
    """The soak exports its stack's settings into this process (to read its instance and queues):
    put the environment back afterwards, so later tests do not run on the soak's stack."""
    saved = dict(os.environ)
    monkeypatch.setenv("FILMSTUDIO_MAX_CONCURRENT_RUNS", "4")  # as the soak's figures were measured
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_a_hundred_requests_with_two_daemon_kills_lose_nothing_and_run_nothing_twice(postgres_server, own_environment):
    args = argparse.Namespace(
        requests=100,
        daemon_kills=2,
        api_kills=0,
        postgres_restarts=0,
        projects=4,
        expected_s=60,
        timeout_s=900,
        seed=11,
        admin_url=postgres_server,
    )
    figures = soak(args, say=lambda _: None)
    assert figures["requests_accepted"] >= 80, figures
    assert figures["lost"] == [] and figures["job_ids_with_more_than_one_run"] == [], figures
    assert figures["runs_started"] == figures["job_ids_with_exactly_one_run"] == figures["requests_accepted"]
    assert figures["failed"] == [], figures
    assert figures["poison_sent_to_sqs"] >= 1 and figures["poison_in_dlq_with_reason"] == figures["poison_sent_to_sqs"]
    assert figures["poison_refused_by_api_4xx"] == figures["poison_sent_to_api"], figures
    assert figures["good_requests_in_dlq"] == [] and figures["api_5xx_not_503"] == [], figures
    assert figures["duplicate_deliveries_sent"] >= 1, figures
    assert len(figures["chaos"]) == 2 and figures["restarts_by_filmstudio_up"] == 2, figures
