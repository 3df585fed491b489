"""What `filmstudio up` prints once the stack is up, and the facts it prints."""

from __future__ import annotations

from dataclasses import dataclass

from film_assets.stack.options import StackOptions
from film_assets.stack.postgres import hide_password

QUEUE_NAME = "filmstudio-renders"


@dataclass
class StackInfo:
    api_url: str
    ui_url: str
    aws_endpoint: str
    postgres_url: str
    postgres_source: str  # "given", "the machine's" or "private"
    startup_s: float = 0.0


def summary(info: StackInfo, options: StackOptions) -> str:
    aws = f"{info.aws_endpoint} (moto)" if not options.aws_endpoint else info.aws_endpoint
    return "\n".join(
        [
            f"filmstudio service stack is up ({info.startup_s:.1f} s)",
            f"  API:         {info.api_url}   (docs: {info.api_url}/docs)",
            f"  Dagster UI:  {info.ui_url}",
            f"  Postgres:    {hide_password(info.postgres_url)} ({info.postgres_source})",
            f"  SQS and S3:  {aws}; bucket {options.bucket}, queue {QUEUE_NAME}",
            "  API key:     filmstudio keys create TENANT   (send it as the X-API-Key header)",
            f"  logs:        {options.log_dir}/",
            f"  state:       {options.state_path}",
            "Ctrl-C (or SIGTERM) stops everything.",
        ]
    )
