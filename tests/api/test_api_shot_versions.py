"""Targeted re-renders through the API: POST /projects/{id}/renders with shots (and new seeds)
becomes a run that renders exactly those shots as new versions, and GET .../shots/{code}/versions
lists every take. A real uvicorn process, Postgres, SQS and S3 on the moto server; runs are
materialized into the service instance with the tags the SQS sensor gives them."""

from __future__ import annotations

import httpx
import pytest

from api.keys import create_api_key
from resources.profiles import current_environment
from tests.support.api_helpers import TINY_FILM, api_process, drain_queue, received_request, render_in_process

pytestmark = [pytest.mark.service, pytest.mark.slow]  # `project` renders a film (~20 s) that every test reads


@pytest.fixture(scope="module")
def sessions(stack, tmp_path_factory):
    keys = {tenant: create_api_key(stack.postgres_url, tenant) for tenant in ("studio-a", "studio-b")}
    with api_process(stack.env, tmp_path_factory.mktemp("versions-logs")) as url:
        clients = {
            tenant: httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=30) for tenant, key in keys.items()
        }
        yield clients
        for session in clients.values():
            session.close()


@pytest.fixture(scope="module")
def project(stack, sessions):
    """TINY_FILM submitted through the API and rendered once."""
    answer = sessions["studio-a"].post(
        "/projects", json={"screenplay": TINY_FILM, "settings": {"width": 320, "height": 180, "fps": 8}}
    )
    assert answer.status_code == 202, answer.text
    request = received_request(stack, answer.json()["job_id"])
    instance = stack.instance()
    render_in_process(instance, request, current_environment())
    yield {"id": request.project_id, "instance": instance}
    instance.dispose()


def _rerender(stack, session, project_id: str, body: dict) -> str:
    answer = session.post(f"/projects/{project_id}/renders", json=body)
    assert answer.status_code == 202, answer.text
    return answer.json()["job_id"]


def test_a_shot_rerendered_with_a_new_seed_becomes_v002_and_v001_is_kept(stack, sessions, project):
    studio_a, project_id = sessions["studio-a"], project["id"]
    shots = [shot["code"] for shot in studio_a.get(f"/projects/{project_id}").json()["shots"]]
    shot = shots[1]
    [first] = studio_a.get(f"/projects/{project_id}/shots/{shot}/versions").json()["versions"]
    assert (first["version"], first["reason"], first["in_final_cut"]) == ("v001", "new", True)

    job_id = _rerender(stack, studio_a, project_id, {"shots": [shot], "new_seed": True})
    request = received_request(stack, job_id)
    assert (request.shots, request.new_seed) == ([shot], True)
    render_in_process(project["instance"], request, current_environment())

    listing = studio_a.get(f"/projects/{project_id}/shots/{shot}/versions")
    assert listing.status_code == 200, listing.text
    old, new = listing.json()["versions"]
    assert (old["version"], old["in_final_cut"]) == ("v001", False)
    assert (new["version"], new["reason"], new["in_final_cut"]) == ("v002", "forced", True)
    assert new["seed"] != old["seed"] and new["prompt"] == old["prompt"]
    store = stack.settings().media_store()
    assert store.exists(old["clip_key"]) and store.exists(old["keyframe_key"])  # the old take is kept
    status = studio_a.get(f"/projects/{project_id}").json()
    lineage = {entry["code"]: entry for entry in status["shots"]}
    assert (lineage[shot]["version"], lineage[shot]["seed"]) == ("v002", new["seed"])
    assert all(lineage[code]["version"] == "v001" for code in shots if code != shot)  # nothing else re-rendered
    cut = next(asset for asset in status["assets"] if asset["name"] == "final_cut")
    assert cut["metadata"]["shot_versions"][shot] == "v002"


@pytest.mark.parametrize(
    "path, body, status, words",
    [
        ("renders", {"new_seed": True}, 422, "new_seed needs shots"),
        ("shots/SQ990_SH990/versions", None, 404, "no shot 'SQ990_SH990'"),
    ],
)
def test_bad_requests_get_a_4xx_with_a_message(stack, sessions, project, path, body, status, words):
    session = sessions["studio-a"]
    url = f"/projects/{project['id']}/{path}"
    answer = session.post(url, json=body) if body is not None else session.get(url)
    assert answer.status_code == status and words in answer.json()["detail"], answer.text
    assert drain_queue(stack) == []


def test_another_tenants_shot_versions_are_404(sessions, project):
    answer = sessions["studio-b"].get(f"/projects/{project['id']}/shots/SQ010_SH010/versions")
    assert answer.status_code == 404
