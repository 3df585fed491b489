"""The one Definitions entry point: `dagster dev -m film_assets.definitions`, `dg` and
`dagster definitions validate` all load this module."""

from dagster import Definitions, in_process_executor

from film_assets.assets import delivery, picture, script, sound
from film_assets.jobs import build_render_film
from film_assets.placement import STEP_RETRY_POLICY, prod_executor
from resources.profiles import Environment, build_resources, current_environment

ASSETS = [script.screenplay, script.scenes, sound.dialogue_track, script.shot_list, picture.keyframes,
          picture.shot_clips, sound.music_track, sound.audio_mix, delivery.final_cut]


def build_definitions(environment: Environment) -> Definitions:
    """Everything, wired to one environment's resources (the CLI builds its own the same way).
    The service and prod profiles add the SQS sensor; the local profile needs no queue."""
    sensors = []
    if environment.uses_services:
        from sensors.sqs import build_render_requests_sensor

        sensors.append(build_render_requests_sensor(environment.service))
    # A service run's steps share its worker process: a step in a process of its own would import
    # the whole code location again (seconds each, nine times a run). Parallel work happens
    # inside the steps (two shot encodes, batched diffusion). The prod profile is the exception:
    # a pod per step, so GPU steps get GPU nodes and the rest cheap ones.
    executor, retry_policy = None, None
    if environment.profile == "service":
        executor = in_process_executor
    elif environment.profile == "prod":
        executor, retry_policy = prod_executor(environment.service.gpu_image), STEP_RETRY_POLICY
    return Definitions(assets=ASSETS, jobs=[build_render_film(retry_policy)], sensors=sensors,
                       resources=build_resources(environment), executor=executor)


defs = build_definitions(current_environment())
