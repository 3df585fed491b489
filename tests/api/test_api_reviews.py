"""Reviews and revisions through the real API against Postgres: a tenant reviews its own takes
and nobody else's, every review is kept across restarts, two approvals at once leave one
consistent history, and a revised screenplay becomes the next revision."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import create_engine, text

from resources.profiles import current_environment
from tests.support.api_helpers import TINY_FILM, api_process, received_request, render_in_process

pytestmark = [pytest.mark.service, pytest.mark.slow]  # `project` renders a small film every test reads


def _session(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=30)


@pytest.fixture(scope="module")
def sessions(studio_a, studio_b):  # conftest's API process and a client per tenant
    return {"studio-a": studio_a, "studio-b": studio_b}


@pytest.fixture(scope="module")
def project(stack, sessions):
    answer = sessions["studio-a"].post(
        "/projects", json={"screenplay": TINY_FILM, "settings": {"width": 96, "height": 64, "fps": 8}}
    )
    assert answer.status_code == 202, answer.text
    request = received_request(stack, answer.json()["job_id"])
    instance = stack.instance()
    render_in_process(instance, request, current_environment())
    codes = [shot["code"] for shot in sessions["studio-a"].get(f"/projects/{request.project_id}/takes").json()["shots"]]
    yield {"id": request.project_id, "instance": instance, "codes": codes}
    instance.dispose()


def _review_rows(stack) -> int:
    engine = create_engine(stack.postgres_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM filmstudio_reviews")).scalar_one()
    finally:
        engine.dispose()


def _approve(session, project_id, code, version, reviewer="Ada", **extra):
    return session.post(
        f"/projects/{project_id}/shots/{code}/versions/{version}/reviews",
        json={"state": "approved", "reviewer": reviewer, **extra},
    )


def test_a_review_is_appended_to_the_takes_history(sessions, project):
    studio_a, project_id, code = sessions["studio-a"], project["id"], project["codes"][0]
    url = f"/projects/{project_id}/shots/{code}/versions/v001/reviews"
    assert studio_a.get(url).json()["state"] == "pending"
    sent_back = studio_a.post(url, json={"state": "changes_requested", "note": "hold longer", "reviewer": "Ada"})
    assert sent_back.status_code == 201, sent_back.text
    approved = _approve(studio_a, project_id, code, "v001", reviewer="Ben")
    assert approved.status_code == 201 and approved.json()["id"] > sent_back.json()["id"]
    take = studio_a.get(url).json()
    assert take["state"] == "approved"
    assert [(r["state"], r["note"], r["reviewer"]) for r in take["reviews"]] == [
        ("changes_requested", "hold longer", "Ada"),
        ("approved", "", "Ben"),
    ]
    shot = next(s for s in studio_a.get(f"/projects/{project_id}/takes").json()["shots"] if s["code"] == code)
    assert (shot["cut_follows"], shot["source"], shot["state"]) == ("v001", "approved", "approved")


def test_another_tenant_can_neither_read_nor_write_the_reviews(stack, sessions, project):
    studio_b, project_id, code = sessions["studio-b"], project["id"], project["codes"][0]
    before = _review_rows(stack)
    for path in ("takes", "revisions", f"shots/{code}/versions/v001/reviews"):
        answer = studio_b.get(f"/projects/{project_id}/{path}")
        assert answer.status_code == 404 and project_id in answer.json()["detail"], answer.text
    assert _approve(studio_b, project_id, code, "v001").status_code == 404
    assert studio_b.post(f"/projects/{project_id}/revisions", json={"screenplay": TINY_FILM}).status_code == 404
    assert _review_rows(stack) == before


@pytest.mark.parametrize(
    "shot, version, status, words",
    [("SQ990_SH010", "v001", 404, "has no shot"), (None, "v009", 404, "has no take 'v009'")],
)
def test_a_review_of_an_unknown_shot_or_take_is_404_and_writes_nothing(
    stack, sessions, project, shot, version, status, words
):
    before = _review_rows(stack)
    answer = _approve(sessions["studio-a"], project["id"], shot or project["codes"][0], version)
    assert answer.status_code == status and words in answer.json()["detail"], answer.text
    bad_state = sessions["studio-a"].post(
        f"/projects/{project['id']}/shots/{project['codes'][0]}/versions/v001/reviews",
        json={"state": "lovely", "reviewer": "Ada"},
    )
    assert bad_state.status_code == 422
    assert _review_rows(stack) == before


def test_two_approvals_at_once_leave_one_consistent_history(stack, sessions, project, api, keys):
    studio_a, project_id, code = sessions["studio-a"], project["id"], project["codes"][1]
    forced = studio_a.post(f"/projects/{project_id}/renders", json={"shots": [code]})
    assert forced.status_code == 202, forced.text
    render_in_process(project["instance"], received_request(stack, forced.json()["job_id"]), current_environment())
    for _ in range(3):  # each round: two reviewers, two takes, at the same moment
        barrier, answers = threading.Barrier(2), {}

        def approve(version: str, reviewer: str, barrier=barrier, answers=answers) -> None:
            with _session(api, keys["studio-a"]) as session:
                barrier.wait()
                answers[version] = _approve(session, project_id, code, version, reviewer=reviewer)

        threads = [threading.Thread(target=approve, args=args) for args in (("v001", "Ada"), ("v002", "Ben"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert {version: answer.status_code for version, answer in answers.items()} == {"v001": 201, "v002": 201}
        last = max(answers, key=lambda version: answers[version].json()["id"])
        shot = next(s for s in studio_a.get(f"/projects/{project_id}/takes").json()["shots"] if s["code"] == code)
        assert (shot["cut_follows"], shot["source"]) == (last, "approved")  # the later write wins
        for version in ("v001", "v002"):  # and both are kept
            history = studio_a.get(f"/projects/{project_id}/shots/{code}/versions/{version}/reviews").json()
            assert answers[version].json()["id"] in [review["id"] for review in history["reviews"]]
    render_in_process(
        project["instance"], received_request(stack, _rerender(studio_a, project_id)), current_environment()
    )
    cut = next(a for a in studio_a.get(f"/projects/{project_id}").json()["assets"] if a["name"] == "final_cut")
    assert cut["metadata"]["shot_versions"][code] == last


def _rerender(session, project_id: str) -> str:
    answer = session.post(f"/projects/{project_id}/renders", json={})
    assert answer.status_code == 202, answer.text
    return answer.json()["job_id"]


def test_a_restarted_api_has_every_review_and_revision(stack, sessions, project, keys, tmp_path):
    studio_a, project_id, code = sessions["studio-a"], project["id"], project["codes"][0]
    _approve(studio_a, project_id, code, "v001", reviewer="Cy", note="before the restart")
    history = studio_a.get(f"/projects/{project_id}/shots/{code}/versions/v001/reviews").json()
    revisions = studio_a.get(f"/projects/{project_id}/revisions").json()
    with api_process(stack.env, tmp_path) as url, _session(url, keys["studio-a"]) as again:
        assert again.get(f"/projects/{project_id}/shots/{code}/versions/v001/reviews").json() == history
        assert again.get(f"/projects/{project_id}/revisions").json() == revisions


def test_a_revised_screenplay_becomes_the_next_revision_and_is_queued(stack, sessions, project):
    studio_a, project_id = sessions["studio-a"], project["id"]
    [first] = studio_a.get(f"/projects/{project_id}/revisions").json()["revisions"]
    assert (first["revision"], first["diff"]) == ("r001", "")
    revised = TINY_FILM.replace("Then I have an hour.", "Then I have an hour and a coffee.")
    answer = studio_a.post(f"/projects/{project_id}/revisions", json={"screenplay": revised})
    assert answer.status_code == 202, answer.text
    request = received_request(stack, answer.json()["job_id"])
    assert (request.project_id, request.action) == (project_id, "rerender")
    _, second = studio_a.get(f"/projects/{project_id}/revisions").json()["revisions"]
    assert (second["revision"], second["lines_added"], second["lines_removed"]) == ("r002", 1, 1)
    assert "+Then I have an hour and a coffee." in second["diff"]
    empty = studio_a.post(f"/projects/{project_id}/revisions", json={"screenplay": "Title: Nothing\n"})
    assert empty.status_code == 422, empty.text
    assert len(studio_a.get(f"/projects/{project_id}/revisions").json()["revisions"]) == 2


def test_dailies_of_the_unreviewed_takes_are_queued_made_and_fetched(stack, sessions, project):
    studio_a, studio_b, project_id = sessions["studio-a"], sessions["studio-b"], project["id"]
    assert studio_a.get(f"/projects/{project_id}/dailies").status_code == 404  # none yet
    takes = studio_a.get(f"/projects/{project_id}/takes").json()["shots"]
    pending = [(s["code"], t["version"]) for s in takes for t in s["takes"] if t["state"] == "pending"]
    assert pending  # the module's other tests reviewed some takes, not all
    ordered = studio_a.post(f"/projects/{project_id}/dailies", json={"unreviewed": True})
    assert ordered.status_code == 202, ordered.text
    request = received_request(stack, ordered.json()["job_id"])
    assert (request.action, request.unreviewed) == ("dailies", True)
    render_in_process(project["instance"], request, current_environment())

    reel = studio_a.get(f"/projects/{project_id}/dailies").json()
    assert sorted((t["code"], t["version"]) for t in reel["takes"]) == sorted(pending)
    assert reel["frames"] == sum(t["frames"] for t in reel["takes"]) + reel["slate_count"] * 16  # 2 s slates at 8 fps
    video = httpx.get(reel["video"]["url"], timeout=30)
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    assert studio_b.get(f"/projects/{project_id}/dailies").status_code == 404
    assert studio_b.post(f"/projects/{project_id}/dailies", json={}).status_code == 404
    none_left = studio_a.post(f"/projects/{project_id}/dailies", json={"since": "2100-01-01T00:00:00Z"})
    assert none_left.status_code == 422 and "no takes to review" in none_left.json()["detail"]
