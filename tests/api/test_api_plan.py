"""POST /projects/{id}/plan says what rendering a revised screenplay would do, through the real API
(uvicorn, Postgres, S3 and SQS on the moto server), on a film rendered into the service instance:
it writes nothing to the bucket, queues nothing, names the line of a bad screenplay, and keeps
other tenants' projects hidden."""

from __future__ import annotations

import pytest

from resources.profiles import current_environment
from tests.support.api_helpers import TINY_FILM, drain_queue, received_request, render_in_process

pytestmark = [pytest.mark.service, pytest.mark.slow]  # `project` renders a film that every test reads

NEW_WORDS = TINY_FILM.replace("Then I have an hour.", "Then I have an hour and a slice of pie.")
BAD = TINY_FILM + "\nThe door chimes.\n\nSTEEL ^\nScrew retirement.\n"  # ^ after action, line 15


@pytest.fixture(scope="module")
def project(stack, studio_a):
    """TINY_FILM submitted through the API and rendered once."""
    answer = studio_a.post(
        "/projects", json={"screenplay": TINY_FILM, "settings": {"width": 64, "height": 64, "fps": 8}}
    )
    assert answer.status_code == 202, answer.text
    request = received_request(stack, answer.json()["job_id"])
    instance = stack.instance()
    render_in_process(instance, request, current_environment())
    instance.dispose()
    return request.project_id


def bucket_state(stack) -> dict[str, tuple[str, object]]:
    """Every object in the bucket: its ETag and last-modified time."""
    pages = stack.s3().get_paginator("list_objects_v2").paginate(Bucket=stack.bucket)
    return {item["Key"]: (item["ETag"], item["LastModified"]) for page in pages for item in page.get("Contents", [])}


def test_a_revision_is_planned_and_nothing_is_written_or_queued(stack, studio_a, project):
    before = bucket_state(stack)
    same = studio_a.post(f"/projects/{project}/plan", json={"screenplay": TINY_FILM})
    assert same.status_code == 200, same.text
    assert same.json()["counts"]["reused"] == len(same.json()["shots"]) == 3

    revised = studio_a.post(f"/projects/{project}/plan", json={"screenplay": NEW_WORDS})
    assert revised.status_code == 200, revised.text
    shots = {shot["code"]: shot for shot in revised.json()["shots"]}
    assert shots["SQ010_SH030"]["category"] == "changed" and "words" in shots["SQ010_SH030"]["changes"]
    assert [shots[code]["category"] for code in ("SQ010_SH010", "SQ010_SH020")] == ["reused", "reused"]
    assert revised.json()["settings"] == {"width": 64, "height": 64, "fps": 8.0}  # the project's own
    assert revised.json()["script"] == {"lines_added": 1, "lines_removed": 1}
    assert bucket_state(stack) == before
    assert drain_queue(stack) == []


def test_a_revision_can_be_uploaded_as_a_file(studio_a, project):
    answer = studio_a.post(
        f"/projects/{project}/plan", files={"file": ("revised.fountain", NEW_WORDS.encode(), "text/plain")}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["counts"]["changed"] == 1


def test_a_bad_screenplay_is_422_naming_the_line(studio_a, project):
    answer = studio_a.post(f"/projects/{project}/plan", json={"screenplay": BAD})
    assert answer.status_code == 422 and "line 15:" in answer.json()["detail"], answer.text


def test_another_tenants_project_is_404(studio_b, project):
    answer = studio_b.post(f"/projects/{project}/plan", json={"screenplay": NEW_WORDS})
    assert answer.status_code == 404, answer.text


def test_a_project_not_rendered_yet_is_409(stack, studio_a):
    answer = studio_a.post("/projects", json={"screenplay": TINY_FILM})
    assert answer.status_code == 202, answer.text
    drain_queue(stack, wait_s=2)  # its render is never run here
    planned = studio_a.post(f"/projects/{answer.json()['project_id']}/plan", json={"screenplay": NEW_WORDS})
    assert planned.status_code == 409 and "no shot list yet" in planned.json()["detail"], planned.text
