"""Media on S3 (or anything that speaks S3, such as a moto server) through dagster-aws: the
service and prod profiles' MediaStore."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import BotoCoreError, ClientError
from dagster_aws.s3 import S3Resource
from pydantic import Field, PrivateAttr

from resources.aws_clients import shared_client
from resources.media_store import MediaKeyError, MediaNotFound, MediaStore, StorageUnavailable, check_key


class S3MediaStore(MediaStore):
    """An S3 bucket (or anything that speaks S3, such as a moto server) through dagster-aws."""

    bucket: str = Field(description="Bucket that holds every project's media.")
    prefix: str = Field(default="", description="Optional key prefix inside the bucket.")
    s3: S3Resource = Field(
        default_factory=S3Resource, description="Connection settings (region, endpoint, credentials)."
    )
    scratch_dir: str | None = Field(
        default=None, description="Local folder for temporary files; the system default if unset."
    )

    _client = PrivateAttr(default=None)

    @property
    def client(self):
        if self._client is None:
            self._client = shared_client("s3", self.s3.model_dump(), self.s3.get_client)
        return self._client

    def object_key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix.strip('/')}/{key}" if self.prefix.strip("/") else key

    def put_bytes(self, key: str, data: bytes) -> str:
        self.client.put_object(Bucket=self.bucket, Key=self.object_key(key), Body=data)
        return key

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))["Body"].read()
        except self.client.exceptions.NoSuchKey as error:
            raise MediaNotFound(f"nothing stored at {key!r} in s3://{self.bucket}") from error

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
            return True
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))  # S3: no error when absent

    def list_keys(self, prefix: str) -> list[str]:
        strip = len(self.object_key("x")) - 1
        keys = []
        paginator = self.client.get_paginator("list_objects_v2")
        root = self.prefix.strip("/") + "/" if self.prefix.strip("/") else ""
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.object_key(prefix) if prefix else root):
            keys.extend(item["Key"][strip:] for item in page.get("Contents", []))
        return sorted(keys)

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.object_key(key)}"

    @contextmanager
    def writing(self, key: str) -> Iterator[Path]:
        object_key = self.object_key(key)
        with tempfile.TemporaryDirectory(dir=self.scratch_dir, prefix="film-assets-") as folder:
            path = Path(folder) / PurePosixPath(key).name
            yield path
            if not path.is_file():
                raise MediaKeyError(f"nothing was written for {key!r}")
            # upload_file switches to multipart for large files; S3 shows the object only once
            # the whole upload is complete, which is what makes this write atomic.
            try:
                self.client.upload_file(str(path), self.bucket, object_key)
            except (BotoCoreError, ClientError, S3UploadFailedError) as error:
                raise StorageUnavailable(
                    f"could not store {key!r} in s3://{self.bucket} after boto3's retries (nothing was stored "
                    f"under it; run the step again once S3 answers): {error}"
                ) from error

    @contextmanager
    def reading(self, key: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(dir=self.scratch_dir, prefix="film-assets-") as folder:
            path = Path(folder) / PurePosixPath(key).name
            try:
                self.client.download_file(self.bucket, self.object_key(key), str(path))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    raise MediaNotFound(f"nothing stored at {key!r} in s3://{self.bucket}") from error
                raise
            yield path
