"""GET /projects/{id} says a film whose latest run a blocking QC check stopped is failing QC, not
failed and not delivered, with the check and what it measured. The project is submitted through
the API and rendered for real into the service instance, with the production QC checks, as the
sensor's run would."""

from __future__ import annotations

import pytest

from resources.profiles import current_environment
from tests.support.api_helpers import TINY_FILM, received_request, render_in_process

pytestmark = pytest.mark.service


@pytest.mark.slow  # renders a tiny film into the service instance (~15 s)
def test_a_film_stopped_by_a_blocking_check_is_failing_qc_not_delivered(stack, studio_a):
    """Asked for -5 LUFS under a -1 dBTP ceiling, the limiter cannot get the two short lines that
    loud: loudness_on_target fails and blocks, after the cut was made but before it is delivered."""
    settings = {"width": 64, "height": 64, "fps": 8, "loudness_lufs": -5}
    answer = studio_a.post("/projects", json={"screenplay": TINY_FILM, "settings": settings})
    assert answer.status_code == 202, answer.text
    request = received_request(stack, answer.json()["job_id"])
    instance = stack.instance()
    try:
        run_id = render_in_process(instance, request, current_environment(), expect_success=False)
    finally:
        instance.dispose()

    status = studio_a.get(f"/projects/{request.project_id}").json()
    assert status["state"] == "failed_qc", status["state"]
    assert status["latest_run"]["run_id"] == run_id and status["latest_run"]["state"] == "failed"
    qc = status["qc"]
    assert qc["passed"] is False and qc["run_id"] == run_id
    [failing] = qc["failing"]
    assert (failing["asset"], failing["name"], failing["blocking"]) == ("final_cut", "loudness_on_target", True)
    measured = failing["metadata"]
    assert measured["target_lufs"] == -5 and measured["integrated_lufs"] < -6, measured
    # the checks that ran before it passed; the cut exists in the store but is not offered
    assert qc["checks_run"] >= 5 and status["final_cut_url"] is None
    refused = studio_a.get(f"/projects/{request.project_id}/final-cut")
    assert refused.status_code == 409 and "final_cut/loudness_on_target" in refused.json()["detail"], refused.text
