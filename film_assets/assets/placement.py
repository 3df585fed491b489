"""Where each step runs in Kubernetes, and how it survives losing its node.

Every asset carries a `dagster-k8s/config` op tag: the k8s_job_executor (prod profile) turns it
into the step pod's resources, node selector and tolerations; in-process execution ignores it, so
the local and service profiles behave as before. GPU steps also join the Dagster pool `gpu`,
whose limit (Helm values, or `dagster instance concurrency set gpu N`) caps how many GPU steps
run at once across all runs: set it to the GPU nodes the cluster may have.
"""

from __future__ import annotations

from dataclasses import dataclass

from dagster import Backoff, Jitter, RetryPolicy

from resources.deployment import CPU_POOL, GPU_POOL, GPU_RESOURCE, GPU_TAINT, NODE_POOL_LABEL

K8S_CONFIG_TAG = "dagster-k8s/config"
GPU_CONCURRENCY_POOL = "gpu"
# Finished step Jobs linger a day for `kubectl logs`, then Kubernetes removes them.
FINISHED_JOB_TTL_S = 24 * 3600


@dataclass(frozen=True)
class StepSize:
    cpu: str
    memory: str
    gpus: int = 0

    @property
    def uses_gpu(self) -> bool:
        return self.gpus > 0


# Sizes for one step pod. GPU steps take the whole card of a one-GPU node, so their CPU and memory
# fit what such a node leaves allocatable: g5.2xlarge / g6.2xlarge (8 vCPU, 32 GiB, one 24 GB
# A10G or L4) keep ~29 GiB after the kubelet and daemonsets. Host memory covers the weights
# while they load, which pass through RAM on their way to the GPU.
STEP_SIZES = {
    "screenplay": StepSize(cpu="250m", memory="512Mi"),
    "scenes": StepSize(cpu="250m", memory="512Mi"),
    "dialogue_track": StepSize(cpu="1", memory="2Gi"),
    "shot_list": StepSize(cpu="250m", memory="1Gi"),
    "keyframes": StepSize(cpu="3", memory="20Gi", gpus=1),  # text-to-image (SDXL-class)
    "shot_clips": StepSize(cpu="6", memory="26Gi", gpus=1),  # image-to-video (SVD-class) and the encodes
    "music_track": StepSize(cpu="2", memory="12Gi", gpus=1),  # MusicGen
    "audio_mix": StepSize(cpu="1", memory="2Gi"),
    "final_cut": StepSize(cpu="2", memory="4Gi"),
    "dailies": StepSize(cpu="2", memory="2Gi"),  # one take decoded at a time into one encode
}
GPU_STEPS = tuple(name for name, size in STEP_SIZES.items() if size.uses_gpu)


def k8s_step_config(size: StepSize) -> dict:
    """The `dagster-k8s/config` value for a step of this size (dagster-k8s's own schema)."""
    requests = {"cpu": size.cpu, "memory": size.memory}
    limits = {"memory": size.memory}  # no CPU limit: throttling a render helps nobody
    pod_spec: dict = {"node_selector": {NODE_POOL_LABEL: GPU_POOL if size.uses_gpu else CPU_POOL}}
    if size.uses_gpu:
        requests[GPU_RESOURCE] = limits[GPU_RESOURCE] = str(size.gpus)
        pod_spec["tolerations"] = [{"key": GPU_TAINT["key"], "operator": "Exists", "effect": GPU_TAINT["effect"]}]
    return {
        "container_config": {"resources": {"requests": requests, "limits": limits}},
        "pod_spec_config": pod_spec,
        # A lost pod is retried by Dagster (the step's RetryPolicy), never by Kubernetes behind
        # its back: a Job restarting the pod would run the step twice under one attempt.
        "job_spec_config": {"backoff_limit": 0, "ttl_seconds_after_finished": FINISHED_JOB_TTL_S},
    }


def op_tags(step: str) -> dict:
    return {K8S_CONFIG_TAG: k8s_step_config(STEP_SIZES[step])}


def pool(step: str) -> str | None:
    return GPU_CONCURRENCY_POOL if STEP_SIZES[step].uses_gpu else None


# Spot GPU nodes get two minutes' notice, then vanish with the step pod on them. The step fails
# its health check, and this policy relaunches it on another node after a pause that grows
# (30 s, 60 s, 120 s, with jitter so a wave of reclaimed nodes does not retry in lockstep).
# Shots finished before the loss are stored per shot, so the new attempt renders only the rest.
STEP_RETRY_POLICY = RetryPolicy(max_retries=3, delay=30, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)


# Pods of one run that may run at once; the `gpu` pool caps GPU steps across runs.
MAX_CONCURRENT_STEP_PODS = 4


def prod_executor_config(gpu_image: str = "") -> dict:
    """The k8s_job_executor's config: GPU steps may run on their own CUDA image; the rest stay on
    the run's slim one."""
    per_step = {step: {"container_config": {"image": gpu_image}} for step in GPU_STEPS} if gpu_image else {}
    return {"max_concurrent": MAX_CONCURRENT_STEP_PODS, "per_step_k8s_config": per_step}


def prod_executor(gpu_image: str = ""):
    """dagster-k8s's k8s_job_executor: one Kubernetes Job per step, placed by the op tags above."""
    from dagster_k8s import k8s_job_executor

    return k8s_job_executor.configured(prod_executor_config(gpu_image), name="k8s_steps")
