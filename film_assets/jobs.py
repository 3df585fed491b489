"""Jobs: render_film materializes every asset of one project partition (the partitions come
from the assets)."""

from dagster import AssetSelection, RetryPolicy, define_asset_job

RENDER_FILM = "render_film"


def build_render_film(step_retry_policy: RetryPolicy | None = None):
    """The render job; the prod profile gives its steps a retry policy (pods on spot nodes vanish),
    the local ones none (a failure there is a bug or bad input: retrying only hides it)."""
    return define_asset_job(
        RENDER_FILM,
        selection=AssetSelection.all(),
        op_retry_policy=step_retry_policy,
        description="Render one project from screenplay to final cut.",
    )


render_film = build_render_film()
