"""Jobs: render_film materializes every asset of one project partition."""

from dagster import AssetSelection, define_asset_job

from film_assets.partitions import projects

render_film = define_asset_job(
    "render_film", selection=AssetSelection.all(), partitions_def=projects,
    description="Render one project from screenplay to final cut.",
)
