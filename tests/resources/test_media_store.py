"""The MediaStore keeps media under projects/<project>/<asset>/..., locally or on S3, and a
failed write never leaves a half-written file where a good one is expected."""

from __future__ import annotations

import pytest
from dagster_aws.s3 import S3Resource

from film_assets.assets.kept_results import KeptResult
from film_assets.storage_keys import media_key
from resources.media_store import LocalMediaStore, MediaKeyError, MediaNotFound
from resources.s3_media_store import S3MediaStore
from tests.conftest import MOTO_CREDENTIALS, moto_client, new_bucket


@pytest.fixture
def local_store(tmp_path):
    return LocalMediaStore(root=str(tmp_path / "media"))


@pytest.fixture
def s3_store(moto_endpoint):
    bucket = new_bucket(moto_endpoint, "film")
    return S3MediaStore(bucket=bucket, prefix="studio-a", s3=S3Resource(endpoint_url=moto_endpoint, **MOTO_CREDENTIALS))


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.service)])  # S3 is the moto server
def store(request):
    return request.getfixturevalue(f"{request.param}_store")


class Crash(Exception):
    pass


def test_keys_follow_the_project_asset_template():
    assert media_key("night-shift", "keyframes", "SQ010_SH010.png") == "projects/night-shift/keyframes/SQ010_SH010.png"
    with pytest.raises(ValueError, match="not a slug"):
        media_key("../etc", "keyframes", "x.png")


def test_bytes_round_trip_and_listing(store):
    store.put_bytes("projects/p1/shot_list/shot_list.parquet", b"table")
    store.put_bytes("projects/p1/keyframes/SQ010_SH010.png", b"png-1")
    store.put_bytes("projects/p2/keyframes/SQ010_SH010.png", b"png-2")
    assert store.get_bytes("projects/p1/keyframes/SQ010_SH010.png") == b"png-1"
    assert store.exists("projects/p2/keyframes/SQ010_SH010.png")
    assert not store.exists("projects/p3/keyframes/SQ010_SH010.png")
    assert store.list_keys("projects/p1") == [
        "projects/p1/keyframes/SQ010_SH010.png",
        "projects/p1/shot_list/shot_list.parquet",
    ]


def test_delete_removes_an_object_and_ignores_a_missing_one(store):
    store.put_bytes("projects/p1/audio_mix/mix.json", b"{}")
    store.put_bytes("projects/p1/audio_mix/mix.wav", b"RIFF")
    store.delete("projects/p1/audio_mix/mix.json")
    store.delete("projects/p1/audio_mix/never-written.json")
    assert not store.exists("projects/p1/audio_mix/mix.json")
    assert store.list_keys("projects/p1") == ["projects/p1/audio_mix/mix.wav"]


def test_kept_result_vouches_only_for_finished_files(store):
    """The record goes before the files are replaced and comes back after them: a run that dies in
    between leaves nothing that claims the half-replaced files."""
    files = ["projects/p1/audio_mix/mix.wav", "projects/p1/audio_mix/mix.m4a"]
    kept = KeptResult(store, "projects/p1/audio_mix/mix.json", files)
    assert kept.find("inputs-a") is None
    for key in files:
        store.put_bytes(key, b"take one")
    kept.remember("inputs-a", {"take": 1})
    assert kept.find("inputs-a") == {"take": 1} and kept.find("inputs-b") is None

    kept.forget()  # a second run starts replacing the files ...
    store.put_bytes(files[0], b"take two")  # ... and dies before the encode
    assert kept.find("inputs-a") is None and kept.find("inputs-b") is None

    store.put_bytes(files[1], b"take two")
    kept.remember("inputs-b", {"take": 2})
    assert kept.find("inputs-b") == {"take": 2}
    store.delete(files[1])  # a file gone behind its back: not vouched for either
    assert kept.find("inputs-b") is None


def test_missing_object_is_a_clear_error(store):
    with pytest.raises(MediaNotFound, match="projects/none/x.bin"):
        store.get_bytes("projects/none/x.bin")
    with pytest.raises(MediaNotFound):
        with store.reading("projects/none/x.bin"):
            pass


def test_file_written_through_writing_appears_whole(store):
    key = "projects/p1/shot_clips/SQ010_SH010.mp4"
    payload = bytes(range(256)) * 4096  # 1 MiB
    with store.writing(key) as path:
        path.write_bytes(payload)
        assert not store.exists(key), "the object must not appear before the write finishes"
    with store.reading(key) as path:
        assert path.read_bytes() == payload


def test_crash_mid_write_leaves_no_file(store):
    key = "projects/p1/final_cut/final_cut.mp4"
    with pytest.raises(Crash):
        with store.writing(key) as path:
            path.write_bytes(b"half a film")
            raise Crash()
    assert not store.exists(key)
    assert store.list_keys("projects/p1") == []


def test_crash_mid_rewrite_keeps_the_good_file(store):
    key = "projects/p1/final_cut/final_cut.mp4"
    store.put_bytes(key, b"the good cut")
    with pytest.raises(Crash):
        with store.writing(key) as path:
            path.write_bytes(b"half of a new cut")
            raise Crash()
    assert store.get_bytes(key) == b"the good cut"


def test_keys_cannot_escape_the_store(local_store):
    for key in ("../outside.txt", "/etc/passwd", "projects//x", "projects/./x"):
        with pytest.raises(MediaKeyError):
            local_store.put_bytes(key, b"x")


@pytest.mark.service
def test_s3_objects_live_under_the_prefix_in_the_bucket(s3_store, moto_endpoint):
    s3_store.put_bytes("projects/p1/screenplay/screenplay.json", b"{}")
    client = moto_client("s3", moto_endpoint)
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=s3_store.bucket)["Contents"]]
    assert keys == ["studio-a/projects/p1/screenplay/screenplay.json"]
    assert (
        s3_store.uri("projects/p1/screenplay/screenplay.json")
        == f"s3://{s3_store.bucket}/studio-a/projects/p1/screenplay/screenplay.json"
    )


def test_export_delivers_a_local_copy(store, tmp_path):
    store.put_bytes("projects/p1/final_cut/final_cut.srt", b"1\n00:00:00,000 --> 00:00:01,000\nHi\n")
    delivered = store.export("projects/p1/final_cut/final_cut.srt", tmp_path / "out" / "final_cut.srt")
    assert delivered.read_bytes().startswith(b"1\n00:00:00,000")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["final_cut.srt"]
