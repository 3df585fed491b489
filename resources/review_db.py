"""Where the review database is, as a resource: the final cut reads from it which take of each
shot to use (film_assets/review opens it and runs its migrations).

In the service profiles the URL is Dagster's own Postgres, given as an EnvVar so the password
never shows in the UI's resource config; locally a SQLite file under FILMSTUDIO_HOME.
"""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

LOCAL_DATABASE = "review.sqlite3"


def local_review_url(home: Path) -> str:
    return f"sqlite:///{Path(home) / LOCAL_DATABASE}"


class ReviewDatabase(ConfigurableResource):
    url: str = Field(description="SQLAlchemy URL: sqlite:///… locally, the service's Postgres otherwise.")
