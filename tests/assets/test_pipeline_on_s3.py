"""The same assets render a project with its media on S3 (a moto server over HTTP), on a real
SQLite Dagster instance: nothing in the assets assumes a local disk."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance, materialize
from dagster_aws.s3 import S3Resource

from film_assets.definitions import ASSETS
from film_assets.domain.projects.settings import ProjectSettings
from film_assets.partitions import projects
from film_assets.storage.submission import submit_screenplay
from resources.s3_media_store import S3MediaStore
from tests.conftest import EXAMPLES, MOTO_CREDENTIALS, moto_client, new_bucket
from tests.support.media_probe import probe
from tests.support.render_resources import cpu_render_resources

pytestmark = [pytest.mark.service, pytest.mark.slow]  # S3 on the moto server; renders a whole film


def test_render_with_media_on_s3(moto_endpoint, tmp_path):
    bucket = new_bucket(moto_endpoint, "renders")
    client = moto_client("s3", moto_endpoint)
    store = S3MediaStore(bucket=bucket, s3=S3Resource(endpoint_url=moto_endpoint, **MOTO_CREDENTIALS))
    submit_screenplay(
        store,
        "keeper",
        (EXAMPLES / "lighthouse.fountain").read_text(),
        "lighthouse.fountain",
        ProjectSettings(width=320, height=180, fps=8),
    )

    (tmp_path / "dagster_home").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "dagster_home")) as instance:
        instance.add_dynamic_partitions(projects.name, ["keeper"])
        result = materialize(
            ASSETS,
            partition_key="keeper",
            instance=instance,
            resources=cpu_render_resources(store, tmp_path),
        )
        assert result.success

    keys = {item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]}
    for expected in (
        "projects/keeper/final_cut/final_cut.mp4",
        "projects/keeper/final_cut/final_cut.srt",
        "projects/keeper/final_cut/timeline.otio",
        "projects/keeper/shot_list/shot_list.parquet",
        "projects/keeper/shots/SQ010_SH010/v001/keyframe.png",
        "projects/keeper/shots/SQ010_SH010/v001/clip.mp4",
        "projects/keeper/shots/SQ010_SH010/v001/version.json",
    ):
        assert expected in keys, expected
    cut = result.output_for_node("final_cut")
    local = tmp_path / "final_cut.mp4"
    client.download_file(bucket, "projects/keeper/final_cut/final_cut.mp4", str(local))
    info = probe(local)
    assert (info["width"], info["height"], info["fps"], info["frames"]) == (320, 180, 8, cut["frames"])
    assert cut["timeline"] == "projects/keeper/final_cut/timeline.otio"
