"""Jobs: render_film materializes every asset of one film's project partition (the partitions
come from the assets); make_dailies makes a review reel of a project's takes."""

from dagster import AssetSelection, RetryPolicy, define_asset_job

RENDER_FILM = "render_film"
MAKE_DAILIES = "make_dailies"
REVIEW_GROUP = "review"  # assets made on request for reviewers, never by a render


def build_render_film(step_retry_policy: RetryPolicy | None = None):
    """The render job; the prod profile gives its steps a retry policy (pods on spot nodes vanish),
    the local ones none (a failure there is a bug or bad input: retrying only hides it)."""
    return define_asset_job(
        RENDER_FILM,
        selection=AssetSelection.all() - AssetSelection.groups(REVIEW_GROUP),
        op_retry_policy=step_retry_policy,
        description="Render one project from screenplay to final cut.",
    )


render_film = build_render_film()

make_dailies = define_asset_job(
    MAKE_DAILIES,
    selection=AssetSelection.assets("dailies"),
    description="Make a dailies reel of one project's takes (config: unreviewed, since).",
)
