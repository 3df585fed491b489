"""The API's shared clients, made once per process from its settings: the database engine, the
render queue, the media store and the (lazily opened) Dagster instance."""

from __future__ import annotations

from dataclasses import dataclass, field

import boto3
from botocore.config import Config
from fastapi import Request
from sqlalchemy import text
from sqlalchemy.engine import Engine

from api.dagster_state import DagsterState
from api.settings import ApiSettings
from api.tables import api_engine, create_tables
from film_assets.review.database import migrate
from resources.media_store import MediaStore
from resources.profiles import media_store_for
from resources.queue import SqsQueue

# a health probe must answer within a load balancer's timeout: no long waits, no retries
PROBE_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 1})


@dataclass
class ApiClients:
    settings: ApiSettings
    engine: Engine
    queue: SqsQueue
    store: MediaStore
    dagster: DagsterState
    _queue_probe: object = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> ApiClients:
        return cls(
            settings=settings,
            engine=api_engine(settings.service.postgres_url, pool_size=10),
            queue=settings.service.queue(),
            store=media_store_for(settings.environment),
            dagster=DagsterState(settings),
        )

    def start(self) -> None:
        create_tables(self.engine)
        migrate(self.engine)  # the review tables: revisions and reviews, by their versioned migrations
        # boto3 makes clients from a shared default session that is not thread-safe: build them
        # here, once, before request threads race for them
        self.queue.client  # noqa: B018
        if hasattr(self.store, "client"):
            self.store.client  # noqa: B018
        service = self.settings.service
        self._queue_probe = boto3.client(
            "sqs", region_name=service.region_name, endpoint_url=service.endpoint_url, config=PROBE_CONFIG
        )

    def ping_postgres(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def ping_queue(self) -> None:
        self._queue_probe.get_queue_attributes(
            QueueUrl=self.queue.render_queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )

    def stop(self) -> None:
        self.dagster.close()
        self.engine.dispose()


def api_clients(request: Request) -> ApiClients:
    """FastAPI dependency: the app's ApiClients."""
    return request.app.state.clients
