"""GET /projects/{id}/export through the real API against Postgres and S3 (moto): the tenant gets a zip
of the cut that reads back as the cut, another tenant a 404, an unknown format a 422, and a project
never rendered a 404 that says so."""

from __future__ import annotations

import io
import json
import zipfile

import opentimelineio as otio
import pytest

from resources.profiles import current_environment
from tests.support.api_helpers import TINY_FILM, received_request, render_in_process

pytestmark = [pytest.mark.service, pytest.mark.slow]  # `project` renders a small film


@pytest.fixture(scope="module")
def project(stack, studio_a):  # conftest's API process and a client per tenant
    answer = studio_a.post(
        "/projects", json={"screenplay": TINY_FILM, "settings": {"width": 96, "height": 64, "fps": 24}}
    )
    assert answer.status_code == 202, answer.text
    request = received_request(stack, answer.json()["job_id"])
    instance = stack.instance()
    render_in_process(instance, request, current_environment())
    takes = {
        shot["code"]: shot["cut_follows"]
        for shot in studio_a.get(f"/projects/{request.project_id}/takes").json()["shots"]
    }
    yield {"id": request.project_id, "takes": takes}
    instance.dispose()


def test_the_tenant_gets_a_zip_of_the_cut_that_reads_back_as_the_cut(studio_a, project, tmp_path):
    answer = studio_a.get(f"/projects/{project['id']}/export", params={"format": "fcp7"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert f'filename="{project["id"]}-fcp7.zip"' in answer.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / f"{project['id']}-fcp7"
    names = [f"{code}_{version}" for code, version in project["takes"].items()]
    timeline = otio.adapters.read_from_file(str(folder / f"{project['id']}.xml"), adapter_name="fcp_xml")
    [video] = [track for track in timeline.tracks if track.kind == "Video"]
    assert [clip.name for clip in video.find_clips()] == names
    assert all((folder / clip.media_reference.target_url).is_file() for clip in video.find_clips())
    assert (folder / "media" / "mix.wav").is_file() and (folder / f"{project['id']}.srt").is_file()


def test_another_tenant_gets_404(studio_b, project):
    answer = studio_b.get(f"/projects/{project['id']}/export", params={"format": "otio"})
    assert answer.status_code == 404 and project["id"] in answer.json()["detail"], answer.text


def test_an_unknown_format_is_422(studio_a, project):
    answer = studio_a.get(f"/projects/{project['id']}/export", params={"format": "premiere"})
    assert answer.status_code == 422 and "format" in json.dumps(answer.json()), answer.text


def test_a_project_never_rendered_is_404_saying_so(studio_a):
    submitted = studio_a.post("/projects", json={"screenplay": TINY_FILM})
    assert submitted.status_code == 202, submitted.text
    answer = studio_a.get(f"/projects/{submitted.json()['project_id']}/export", params={"format": "edl"})
    assert answer.status_code == 404 and "has no final cut" in answer.json()["detail"], answer.text
