"""The one Definitions entry point: `dagster dev -m film_assets.definitions`, `dg` and
`dagster definitions validate` all load this module."""

from dagster import AssetsDefinition, Definitions, in_process_executor

from film_assets.assets import dailies, delivery, picture, script, sound
from film_assets.assets.placement import STEP_RETRY_POLICY, prod_executor
from film_assets.jobs import build_render_film, make_dailies
from resources.profiles import Environment, build_resources, current_environment
from resources.versioned import MediaMaker, content_key

# The resource that makes each media asset: its identity is part of the asset's code version.
MEDIA_MAKERS = {"dialogue_track": "voice", "keyframes": "renderer", "shot_clips": "animator", "music_track": "composer"}

# In render_film's order; film_assets/asset_names.py lists the same names (tests/assets/test_definitions.py)
ASSETS = [
    script.screenplay,
    script.scenes,
    sound.dialogue_track,
    script.shot_list,
    picture.keyframes,
    picture.shot_clips,
    sound.music_track,
    sound.audio_mix,
    delivery.final_cut,
]
REVIEW_ASSETS = [dailies.dailies]  # made on request (make_dailies), not by render_film


def with_maker_code_versions(assets: list[AssetsDefinition], resources: dict) -> list[AssetsDefinition]:
    """Each media asset's code version, extended by its resource's name, version and output
    settings: switching a model or renderer version then shows those assets (and everything
    downstream) as unsynced in the Dagster UI, as a code change would."""
    versioned = []
    for asset in assets:
        maker = resources.get(MEDIA_MAKERS.get(asset.key.path[-1], ""))
        if isinstance(maker, MediaMaker):
            identity = f"{maker.name}-{maker.version}-{content_key(maker.output_settings())[:8]}"
            asset = asset.map_asset_specs(
                lambda spec, identity=identity: spec.replace_attributes(code_version=f"{spec.code_version}+{identity}")
            )
        versioned.append(asset)
    return versioned


def build_definitions(environment: Environment, with_sensor: bool = True) -> Definitions:
    """Everything, wired to one environment's resources (the CLI builds its own the same way).
    The service and prod profiles add the SQS sensor (unless `with_sensor` is False: a test that
    renders in process must not consume the queue); the local profile needs no queue."""
    # A run's steps share its worker process (local and service): a step in a process of its own
    # would import the whole code location again (seconds each, nine times a run). Parallel work
    # happens inside the steps (two shot encodes, batched diffusion). The prod profile is the
    # exception: a pod per step, so GPU steps get GPU nodes and the rest cheap ones.
    executor, retry_policy = in_process_executor, None
    if environment.profile == "prod":
        executor, retry_policy = prod_executor(environment.service.gpu_image), STEP_RETRY_POLICY
    jobs = [build_render_film(retry_policy), make_dailies]
    sensors = []
    if environment.uses_services and with_sensor:
        from sensors.sqs import build_render_requests_sensor

        sensors.append(build_render_requests_sensor(environment.service, jobs=jobs))
    resources = build_resources(environment)
    return Definitions(
        assets=[*with_maker_code_versions(ASSETS, resources), *REVIEW_ASSETS],
        jobs=jobs,
        sensors=sensors,
        resources=resources,
        executor=executor,
    )


defs = build_definitions(current_environment())
