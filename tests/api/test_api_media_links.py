"""Media links in service mode: the catalog's links and GET /projects/{id}/media-links go through
the API's GET /media/{token}, which a browser opens without the API key. A token is signed for one
tenant, project and file until it expires; the API answers a good one with a redirect to a
presigned S3 URL (moto over HTTP) that plays in place, and an altered, expired or other tenant's
one with a 4xx that says why, never a 500."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from film_assets.media_links import MediaGrant, sign_media_token
from resources.profiles import current_environment
from tests.support.api_helpers import TINY_FILM, api_process, client, received_request, render_in_process

pytestmark = [pytest.mark.service, pytest.mark.slow]  # renders a film into the service instance

SECRET = "test-media-link-secret"
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<url>[^)\s]+)\)")


@pytest.fixture(scope="module")
def linked_api(stack, tmp_path_factory):
    """An API process with media links on (the shared `api` fixture has them off)."""
    with api_process(stack.env, tmp_path_factory.mktemp("api-media"), FILMSTUDIO_MEDIA_LINK_SECRET=SECRET) as url:
        yield url


@pytest.fixture(scope="module")
def film(stack, linked_api, keys):
    """A tiny project submitted by studio-a and rendered the way the sensor's run would, with the
    API's URL and the secret in the run's environment (the worker signs the catalog's links)."""
    with client(linked_api, keys["studio-a"]) as studio_a:
        answer = studio_a.post(
            "/projects", json={"screenplay": TINY_FILM, "settings": {"width": 64, "height": 64, "fps": 8}}
        )
    assert answer.status_code == 202, answer.text
    request = received_request(stack, answer.json()["job_id"])
    instance = stack.instance()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FILMSTUDIO_API_URL", linked_api)
        patch.setenv("FILMSTUDIO_MEDIA_LINK_SECRET", SECRET)
        run_id = render_in_process(instance, request, current_environment())
    yield {"project": request.project_id, "run_id": run_id, "instance": instance}
    instance.dispose()


def final_cut_metadata(film) -> dict:
    from dagster import AssetKey, AssetRecordsFilter

    [record] = (
        film["instance"]
        .fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey("final_cut"), asset_partitions=[film["project"]]), limit=1
        )
        .records
    )
    return record.asset_materialization.metadata


def open_link(url: str) -> httpx.Response:
    """A browser following a link: no API key, redirects followed (to the moto server)."""
    return httpx.get(url, follow_redirects=True, timeout=30)


def test_the_catalogs_links_play_through_the_api_without_a_key(film, linked_api):
    metadata = final_cut_metadata(film)
    video = metadata["video_link"].value
    assert video.startswith(f"{linked_api}/media/")
    first = httpx.get(video, timeout=30)  # the API itself: a redirect to a presigned URL, not the bytes
    assert first.status_code == 307 and "Signature=" in first.headers["location"], first.text
    played = open_link(video)
    assert played.status_code == 200 and played.headers["content-type"] == "video/mp4"
    assert played.content[4:8] == b"ftyp"
    ranged = httpx.get(first.headers["location"], headers={"Range": "bytes=0-99"}, timeout=30)
    assert ranged.status_code == 206 and len(ranged.content) == 100
    [(alt, sheet)] = IMAGE.findall(metadata["contact_sheet"].value)
    assert "contact sheet" in alt
    picture = open_link(sheet)
    assert (picture.status_code, picture.headers["content-type"], picture.content[:2]) == (
        200,
        "image/jpeg",
        b"\xff\xd8",
    )
    subtitles = open_link(metadata["subtitles_link"].value)
    assert subtitles.headers["content-type"].startswith("text/plain") and b"-->" in subtitles.content


def test_fresh_links_for_the_tenant_and_404_for_another(film, linked_api, keys):
    with client(linked_api, keys["studio-a"]) as studio_a, client(linked_api, keys["studio-b"]) as studio_b:
        links = studio_a.get(f"/projects/{film['project']}/media-links")
        assert links.status_code == 200, links.text
        links = links.json()
        assert set(links["shot_clips"]) == set(final_cut_metadata(film)["shot_versions"].value)
        for url in (links["poster"], links["timeline"], *links["shot_clips"].values()):
            assert open_link(url).status_code == 200, url
        other = studio_b.get(f"/projects/{film['project']}/media-links")
        assert other.status_code == 404 and other.json()["detail"] == f"no project {film['project']!r}"
        assert httpx.get(f"{linked_api}/projects/{film['project']}/media-links", timeout=30).status_code == 401


def test_altered_expired_or_foreign_tokens_are_refused_with_a_reason(film, linked_api):
    project = film["project"]
    video = final_cut_metadata(film)["video_link"].value
    token = video.rsplit("/", 1)[1]
    payload, signature = token.split(".")
    key = f"projects/{project}/final_cut/final_cut.mp4"

    def link(tenant="studio-a", media=key, expires=None, secret=SECRET, of=project) -> str:
        grant = MediaGrant(tenant, of, media, int(expires or time.time() + 600))
        return f"{linked_api}/media/{sign_media_token(secret, grant)}"

    cases = {
        "altered": (f"{linked_api}/media/{payload[:-2]}AA.{signature}", 403, "signature does not match"),
        "another secret": (link(secret="not-the-servers"), 403, "signature does not match"),
        "malformed": (f"{linked_api}/media/not-a-token", 400, "not a media link"),
        "not base64url": (f"{linked_api}/media/%C2%B6%F2%82.{signature}", 400, "not a media link"),
        "expired": (link(expires=time.time() - 1), 410, "expired"),
        "another tenant": (link(tenant="studio-b"), 404, f"no project {project!r} of this link's tenant"),
        "another project's file": (link(media="projects/other/final_cut/final_cut.mp4"), 403, "not media of"),
        "a file that is not there": (link(media=f"projects/{project}/final_cut/nothing.mp4"), 404, "no longer"),
        "a path out": (link(media=f"projects/{project}/../x"), 400, "unreadable"),
    }
    for name, (url, status, words) in cases.items():
        answer = httpx.get(url, timeout=30)
        assert answer.status_code == status, (name, answer.text)
        assert words in answer.json()["detail"], (name, answer.json())
    assert httpx.get(link(), timeout=30).status_code == 307  # the same link, well made, works
