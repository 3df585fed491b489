"""Media on S3 (or anything that speaks S3, such as a moto server) through dagster-aws: the
service and prod profiles' MediaStore."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import boto3
from boto3.exceptions import S3UploadFailedError
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.handlers import disable_signing
from dagster_aws.s3 import S3Resource
from dagster_aws.utils import construct_boto_client_retry_config
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
    timeout_s: float = Field(
        default=20.0,
        gt=0,
        description="Seconds S3 may take to accept a connection or to answer a request before that try is "
        "given up and retried (boto3's own default is 60).",
    )

    _client = PrivateAttr(default=None)

    @property
    def client(self):
        if self._client is None:
            settings = {**self.s3.model_dump(), "timeout_s": self.timeout_s}
            self._client = shared_client("s3", settings, self._build_client)
        return self._client

    def _build_client(self):
        """dagster-aws's client (its session, credentials and retry config) with connect and read
        timeouts: S3Resource.get_client takes none, and a stalled S3 would hold each try for 60 s."""
        s3 = self.s3
        timeouts = Config(connect_timeout=self.timeout_s, read_timeout=self.timeout_s)
        client = boto3.session.Session(profile_name=s3.profile_name).client(
            "s3",
            region_name=s3.region_name,
            use_ssl=s3.use_ssl,
            verify=s3.verify,
            endpoint_url=s3.endpoint_url,
            aws_access_key_id=s3.aws_access_key_id,
            aws_secret_access_key=s3.aws_secret_access_key,
            aws_session_token=s3.aws_session_token,
            config=construct_boto_client_retry_config(s3.max_attempts).merge(timeouts),
        )
        if s3.use_unsigned_session:
            client.meta.events.register("choose-signer.s3.*", disable_signing)
        return client

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
        except (BotoCoreError, ClientError) as error:
            raise self._unavailable("read", key, error) from error

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
                raise self._unavailable("store", key, error) from error

    @contextmanager
    def reading(self, key: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(dir=self.scratch_dir, prefix="film-assets-") as folder:
            path = Path(folder) / PurePosixPath(key).name
            try:
                self.client.download_file(self.bucket, self.object_key(key), str(path))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    raise MediaNotFound(f"nothing stored at {key!r} in s3://{self.bucket}") from error
                raise self._unavailable("read", key, error) from error
            except BotoCoreError as error:
                raise self._unavailable("read", key, error) from error
            yield path

    def _unavailable(self, verb: str, key: str, error: Exception) -> StorageUnavailable:
        stored = " (nothing was stored under it)" if verb == "store" else ""
        return StorageUnavailable(
            f"could not {verb} {key!r} in s3://{self.bucket} after boto3's retries{stored}; "
            f"run the step again once S3 answers: {error}"
        )
