"""GET /projects/{id}/cost: what a project's renders cost, per take, shot, scene and in all, through
a real uvicorn process on Postgres and the moto server's S3; the project is rendered into the
service instance with the tags the SQS sensor gives its runs. Only the project's tenant sees it."""

from __future__ import annotations

import pytest

from resources.profiles import current_environment
from tests.support.api_helpers import TINY_FILM, drain_queue, received_request, render_in_process

pytestmark = [pytest.mark.service, pytest.mark.slow]  # `project` renders a (tiny) film every test reads

SMALL = {"width": 64, "height": 64, "fps": 8}


@pytest.fixture(scope="module")
def project(stack, studio_a) -> str:
    """TINY_FILM submitted through the API and rendered once; its id."""
    answer = studio_a.post("/projects", json={"screenplay": TINY_FILM, "settings": SMALL})
    assert answer.status_code == 202, answer.text
    request = received_request(stack, answer.json()["job_id"])
    instance = stack.instance()
    try:
        render_in_process(instance, request, current_environment())
    finally:
        instance.dispose()
    return request.project_id


def test_the_cost_of_a_project_is_every_takes_cpu_seconds_added_up(studio_a, project):
    answer = studio_a.get(f"/projects/{project}/cost")
    assert answer.status_code == 200, answer.text
    costs = answer.json()
    shots = [shot["code"] for shot in studio_a.get(f"/projects/{project}").json()["shots"]]
    assert [shot["code"] for shot in costs["shots"]] == sorted(shots)
    assert all(take["measured"] and take["keyframe"]["model"] == "storyboard v1" for take in costs["takes"])
    assert all(take["clip"]["device"] == "cpu" and take["clip"]["wall_s"] > 0 for take in costs["takes"])
    total = costs["total"]
    assert (total["shots"], total["takes"], total["unmeasured_takes"]) == (len(shots), len(shots), 0)
    assert total["gpu_s"] == 0 and total["cpu_s"] > 0
    assert total["cpu_s"] == pytest.approx(sum(take["cpu_s"] for take in costs["takes"]))
    assert [(scene["scene"], scene["heading"]) for scene in costs["scenes"]] == [("SQ010", "INT. DINER - NIGHT")]


def test_another_tenants_project_cost_is_404(studio_b, project):
    answer = studio_b.get(f"/projects/{project}/cost")
    assert answer.status_code == 404 and project in answer.json()["detail"], answer.text


def test_a_project_with_no_shots_yet_is_409(stack, studio_a, project):
    answer = studio_a.post("/projects", json={"screenplay": TINY_FILM, "settings": SMALL})
    assert answer.status_code == 202, answer.text
    drain_queue(stack, wait_s=5)  # never rendered
    waiting = studio_a.get(f"/projects/{answer.json()['project_id']}/cost")
    assert waiting.status_code == 409 and "has no shots yet" in waiting.json()["detail"], waiting.text


def test_the_cost_route_is_in_the_openapi_schema(studio_a):
    operation = studio_a.get("/openapi.json").json()["paths"]["/projects/{project_id}/cost"]["get"]
    assert {"200", "401", "404", "409"} <= operation["responses"].keys()
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ProjectCost")
