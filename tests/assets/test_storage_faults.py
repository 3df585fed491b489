"""Storage that fails under a render: S3 answering 500/503 or stalling (a fault-injecting proxy on
loopback in front of the moto server) and a full local disk (a small tmpfs). The failing step names the storage
error, boto3 retries what it should, no version, cut or output ever points at an object that was
not fully stored, and once the fault clears a re-run completes."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, materialize
from dagster_aws.s3 import S3Resource

from film_assets.definitions import ASSETS
from film_assets.domain.projects.settings import ProjectSettings
from film_assets.partitions import projects
from film_assets.storage.submission import submit_screenplay
from resources.media_store import LocalMediaStore, StorageUnavailable
from resources.s3_media_store import S3MediaStore
from tests.conftest import MOTO_CREDENTIALS, moto_client, new_bucket
from tests.support.fault_proxy import Fault, FaultProxy
from tests.support.media_probe import probe
from tests.support.render_resources import cpu_render_resources

FILM = """Title: Storm

INT. ATTIC - NIGHT

Rain hammers the roof.

MARA
It's coming in.

JONAH
Get the buckets.

MARA
All of them.
"""
SMALL = ProjectSettings(width=320, height=180, fps=8)


@pytest.fixture
def proxy(moto_endpoint):
    proxy = FaultProxy(moto_endpoint)
    yield proxy
    proxy.close()


def _s3_store(proxy: FaultProxy, bucket: str, max_attempts: int = 5, **settings) -> S3MediaStore:
    s3 = S3Resource(endpoint_url=proxy.url, max_attempts=max_attempts, **MOTO_CREDENTIALS)
    return S3MediaStore(bucket=bucket, s3=s3, **settings)


def _render(store, tmp_path: Path, instance: DagsterInstance, selection=None):
    return materialize(
        ASSETS,
        selection=selection,
        partition_key="storm",
        instance=instance,
        raise_on_error=False,
        resources=cpu_render_resources(store, tmp_path),
    )


def _step_failure(result, step: str) -> str:
    [failure] = [
        event
        for event in result.all_events
        if event.event_type == DagsterEventType.STEP_FAILURE and event.step_key == step
    ]
    return failure.step_failure_data.error.to_string()


def _versions_point_at_stored_objects(store) -> int:
    """Every shot version's record names only objects that are fully stored; returns how many."""
    records = [key for key in store.list_keys("projects/storm/shots") if key.endswith("version.json")]
    for key in records:
        record = json.loads(store.get_bytes(key))
        for part in ("keyframe", "clip"):
            if record.get(part):
                assert store.exists(record[part]["key"]), f"{key} names {record[part]['key']}, which is not stored"
    return len(records)


@pytest.mark.service
def test_s3_503s_are_retried_and_a_500_that_stays_names_the_key_and_stores_nothing(proxy, moto_endpoint):
    bucket = new_bucket(moto_endpoint, "faults")
    store = _s3_store(proxy, bucket)

    proxy.break_with(Fault(status=503, method="PUT", times=2))  # S3 throttling for a moment
    store.put_bytes("projects/a/first.txt", b"kept")
    assert [status for method, _, status in proxy.seen if method == "PUT"] == [503, 503, 200]
    assert store.get_bytes("projects/a/first.txt") == b"kept"

    proxy.break_with(Fault(status=500, method="PUT"))  # S3 down for writes until healed
    with pytest.raises(StorageUnavailable, match=r"could not store 'projects/a/clip.mp4' in s3://") as raised:
        with store.writing("projects/a/clip.mp4") as path:
            path.write_bytes(b"\0" * 4096)
    assert "InternalError" in str(raised.value)
    # the first try and the retries of dagster-aws's max_attempts=5 (botocore's legacy mode counts retries)
    assert len([1 for method, _, _ in proxy.seen if method == "PUT"]) == 6
    proxy.heal()
    listed = moto_client("s3", moto_endpoint).list_objects_v2(Bucket=bucket).get("Contents", [])
    assert [item["Key"] for item in listed] == ["projects/a/first.txt"]  # no half-written clip

    with store.writing("projects/a/clip.mp4") as path:
        path.write_bytes(b"\0" * 4096)
    assert store.exists("projects/a/clip.mp4")


@pytest.mark.service
def test_a_stalled_s3_times_out_each_try_and_a_lasting_stall_names_the_timeout(proxy, moto_endpoint):
    bucket = new_bucket(moto_endpoint, "faults")
    store = _s3_store(proxy, bucket, max_attempts=3, timeout_s=0.5)  # fewer tries: each waits its timeout

    proxy.break_with(Fault(stall_s=15, method="PUT", times=2))  # two tries hang; the third is answered
    began = time.monotonic()
    store.put_bytes("projects/a/first.txt", b"kept")
    assert [status for method, _, status in proxy.seen if method == "PUT"][-1] == 200
    assert time.monotonic() - began < 10  # the 0.5 s timeout ended each stalled try, not the 15 s hang-up
    assert store.get_bytes("projects/a/first.txt") == b"kept"

    proxy.break_with(Fault(stall_s=15, method="PUT"))  # S3 hangs on every write until healed
    with pytest.raises(StorageUnavailable, match=r"could not store 'projects/a/clip.mp4' in s3://") as raised:
        with store.writing("projects/a/clip.mp4") as path:
            path.write_bytes(b"\0" * 4096)
    assert "timeout" in str(raised.value).lower(), raised.value
    proxy.break_with(Fault(stall_s=15, method="GET"))  # and on reads: named the same way
    with pytest.raises(StorageUnavailable, match=r"could not read 'projects/a/first.txt'"):
        store.get_bytes("projects/a/first.txt")
    proxy.heal()
    listed = moto_client("s3", moto_endpoint).list_objects_v2(Bucket=bucket).get("Contents", [])
    assert [item["Key"] for item in listed] == ["projects/a/first.txt"]  # the stalled writes stored nothing

    with store.writing("projects/a/clip.mp4") as path:
        path.write_bytes(b"\0" * 4096)
    assert store.exists("projects/a/clip.mp4")


@pytest.mark.service
@pytest.mark.slow
def test_a_render_whose_s3_fails_during_shot_clips_names_it_and_completes_once_healed(proxy, moto_endpoint, tmp_path):
    bucket = new_bucket(moto_endpoint, "faults")
    store = _s3_store(proxy, bucket, max_attempts=2)  # retries are the 503 test's: here, the healing
    submit_screenplay(store, "storm", FILM, "storm.fountain", SMALL)
    (tmp_path / "dagster_home").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "dagster_home")) as instance:
        instance.add_dynamic_partitions(projects.name, ["storm"])
        # the first clip is stored; then every clip upload gets a 503 until healed
        proxy.break_with(Fault(status=503, method="PUT", path_contains="/clip.mp4", after=1))
        failed = _render(store, tmp_path, instance)
        assert not failed.success
        error = _step_failure(failed, "shot_clips")
        assert "could not store" in error and "/clip.mp4" in error and "SlowDown" in error, error
        assert _versions_point_at_stored_objects(store) >= 1
        assert not store.exists("projects/storm/final_cut/final_cut.mp4")

        proxy.heal()
        healed = _render(store, tmp_path, instance)
        assert healed.success
    assert _versions_point_at_stored_objects(store) >= 4
    cut = healed.output_for_node("final_cut")
    with store.reading(cut["video"]) as video:
        assert probe(video)["frames"] == cut["frames"]


def _mount_tmpfs(folder: Path, size: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("a full disk is made with a tmpfs mount, which needs root")
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)


@pytest.mark.slow
def test_a_full_disk_fails_the_step_naming_it_and_leaves_no_partial_file(tmp_path):
    media = tmp_path / "media"
    _mount_tmpfs(media, "64m")
    try:
        store = LocalMediaStore(root=str(media))
        submit_screenplay(store, "storm", FILM, "storm.fountain", SMALL)
        (tmp_path / "dagster_home").mkdir()
        with DagsterInstance.local_temp(str(tmp_path / "dagster_home")) as instance:
            instance.add_dynamic_partitions(projects.name, ["storm"])
            upstream = ["screenplay", "scenes", "dialogue_track", "shot_list", "keyframes"]
            assert _render(store, tmp_path, instance, selection=upstream).success
            # the disk fills up (another tenant's upload, a log gone wild) before the clips are made
            filler = media / "filler"
            with open(filler, "wb") as handle:
                try:
                    while True:
                        handle.write(b"\0" * 65536)
                except OSError:
                    pass
            failed = _render(store, tmp_path, instance, selection=["shot_clips"])
            assert not failed.success
            error = _step_failure(failed, "shot_clips")
            assert "No space left on device" in error, error
            leftovers = [
                p.name for p in media.rglob("*") if p.is_file() and (".part" in p.name or p.name == "clip.mp4")
            ]
            assert leftovers == [], leftovers  # no half-written clip where a good one is expected
            assert _versions_point_at_stored_objects(store) >= 4

            filler.unlink()  # space again
            assert _render(store, tmp_path, instance).success
        assert store.exists("projects/storm/final_cut/final_cut.mp4")
    finally:
        subprocess.run(["umount", "-l", str(media)], check=False)
