"""The two images in infra/docker, checked without Docker: the CPU image (code server, API, CPU
steps; infra/docker-compose.yml builds it) and the CUDA image of the GPU steps. Both Dockerfiles
are parsed with dockerfile_parse; infra/docker/constraints.txt is checked against the .venv."""

from __future__ import annotations

import fnmatch
import io
import json
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

pytestmark = pytest.mark.infra
DOCKER = REPO / "infra" / "docker"
CPU, CUDA = DOCKER / "Dockerfile", DOCKER / "Dockerfile.cuda"
CONSTRAINTS = DOCKER / "constraints.txt"
IMAGES = pytest.mark.parametrize("dockerfile", [CPU, CUDA], ids=["cpu", "cuda"])

UID = 10001
TORCH_PIN = "torch==2.13.0"
VENV = "/opt/filmstudio/venv"
# test and lint tools of the dev extra: never in an image
DEV_ONLY = {
    "pytest",
    "iniconfig",
    "pluggy",
    "schemathesis",
    "hypothesis",
    "hypothesis-graphql",
    "moto",
    "py-partiql-parser",
    "cfn-lint",
    "responses",
    "kubernetes-validate",
    "python-hcl2",
    "dockerfile-parse",
    "film-assets",
}
DAGSTER_FAMILY = ("dagster", "dagster-k8s", "dagster-postgres", "dagster-aws", "dagster-webserver")


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (INSTRUCTION, value)

    def values(self, instruction: str) -> list[str]:
        return [value for name, value in self.instructions if name == instruction]


def stages(text: str) -> list[Stage]:
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()))
    result: list[Stage] = []
    for item in parser.structure:
        instruction, value = item["instruction"], item["value"]
        if instruction == "FROM":
            words = value.split()
            if any(word.startswith("--") for word in words):
                words = [word for word in words if not word.startswith("--")]
            name = words[2] if len(words) == 3 and words[1].lower() == "as" else None
            result.append(Stage(words[0], name))
        elif instruction != "COMMENT":
            assert result, f"{instruction} before the first FROM"
            result[-1].instructions.append((instruction, value))
    return result


def copy_parts(value: str) -> tuple[dict[str, str], list[str], str]:
    """COPY/ADD: ({flag: value}, sources, destination)."""
    flags: dict[str, str] = {}
    words = shlex.split(value)
    while words and words[0].startswith("--"):
        flag, _, flag_value = words.pop(0)[2:].partition("=")
        flags[flag] = flag_value
    if words and words[0].startswith("["):  # the JSON form
        words = json.loads(" ".join(words))
    return flags, words[:-1], words[-1]


def pip_installs(stage: Stage) -> list[str]:
    """Every `pip install ...` command in the stage's RUNs."""
    commands = []
    for run in stage.values("RUN"):
        for command in re.split(r"&&|;|\|\|", run):
            if re.search(r"\bpip3?\s+install\b", command):
                commands.append(command.strip())
    return commands


def dockerignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves `path` (or a folder above it) out of the build context; fnmatch's
    `*` also crosses `/`, so this errs towards "ignored"."""
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for raw in patterns:
        negated, pattern = raw.startswith("!"), raw.lstrip("!").strip("/")
        globs = [pattern[3:], "*/" + pattern[3:]] if pattern.startswith("**/") else [pattern]
        if any(fnmatch.fnmatchcase(prefix, glob) for prefix in prefixes for glob in globs):
            result = not negated
    return result


def constraint_pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.!]*)", line)
        assert match, f"constraints.txt: {line!r} is not an exact `name==version` pin"
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"constraints.txt pins {name} twice"
        pins[name] = match.group(2)
    return pins


# ---- the checks, on Dockerfile text (the tests below give them the real files) ----------------


def check_multi_stage(text: str) -> None:
    assert len(stages(text)) >= 2, "expected a multi-stage build (a builder and a runtime stage)"


PINNED_IMAGE = re.compile(r"[a-z0-9][a-z0-9._/-]*(:\d+)?[a-z0-9._/-]*:(?P<tag>[A-Za-z0-9._-]+)(@sha256:[0-9a-f]{64})?")


def check_pinned_image(image: str) -> None:
    match = PINNED_IMAGE.fullmatch(image)
    assert match, f"{image!r} is not pinned to a tag"
    tag = match.group("tag")
    assert tag != "latest" and re.match(r"v?\d+\.\d+(\.\d+)?([.-]|$)", tag), (
        f"{image!r}: the tag must start with an exact version number"
    )


def check_bases_pinned(text: str) -> None:
    names: set[str] = set()
    for stage in stages(text):
        if stage.image not in names:  # FROM an earlier stage needs no pin
            check_pinned_image(stage.image)
        for value in stage.values("COPY") + stage.values("ADD"):
            source = copy_parts(value)[0].get("from")
            if source and source not in names:
                check_pinned_image(source)
        if stage.name:
            names.add(stage.name)


def check_runtime_user(text: str) -> None:
    final = stages(text)[-1]
    users = final.values("USER")
    assert users, "the final stage sets no USER: it would run as root"
    user = users[-1].split(":")[0].strip()
    if user.isdigit():
        assert int(user) == UID, f"USER {user}: expected uid {UID}"
    else:
        assert user not in ("root", ""), f"USER {user}"
        created = " ".join(final.values("RUN"))
        assert re.search(rf"useradd\b[^&;]*--uid[ =]{UID}\b[^&;]*\b{re.escape(user)}\b", created), (
            f"USER {user} is not created with uid {UID} in the final stage"
        )
    assert re.search(rf"useradd\b[^&;]*--uid[ =]{UID}\b", " ".join(final.values("RUN"))), (
        f"the final stage creates no user with uid {UID}"
    )


def check_copy_sources(text: str) -> None:
    patterns = dockerignore_patterns()
    for stage in stages(text):
        for value in stage.values("COPY") + stage.values("ADD"):
            flags, sources, _ = copy_parts(value)
            if "from" in flags:
                continue
            for source in sources:
                assert not re.match(r"[a-z]+://", source), f"ADD/COPY of a URL: {source}"
                assert not source.startswith("/") and ".." not in Path(source).parts, source
                assert list(REPO.glob(source)), f"COPY {source}: not in the repository"
                assert not ignored(source, patterns), f"COPY {source}: .dockerignore leaves it out of the context"


def check_pip_uses_constraints(text: str) -> None:
    all_stages = stages(text)
    installs = [command for stage in all_stages for command in pip_installs(stage)]
    assert installs, "no pip install at all"
    copied = set()  # the names the constraints file has in the build
    for stage in all_stages:
        for value in stage.values("COPY"):
            flags, sources, destination = copy_parts(value)
            if "from" not in flags and sources == ["infra/docker/constraints.txt"]:
                copied.add("constraints.txt" if destination.endswith(("/", ".")) else Path(destination).name)
    assert copied, "infra/docker/constraints.txt is never copied into the build"
    for command in installs:
        match = re.search(r"(?:-c|--constraint)[ =](\S+)", command)
        assert match, f"{command!r} does not use the constraints file"
        assert Path(match.group(1).strip("\"'")).name in copied, command


def check_cuda_torch(text: str) -> None:
    installs = [command for stage in stages(text) for command in pip_installs(stage)]
    torch_specs = [
        word.strip("\"'")
        for command in installs
        for word in command.split()
        if re.match(r"[\"']?torch\b(?![-_])", word)
    ]
    assert torch_specs and set(torch_specs) == {TORCH_PIN}, f"torch installs: {torch_specs}, want {TORCH_PIN}"
    torch_command = next(command for command in installs if TORCH_PIN in command)
    assert re.search(r"--(extra-)?index-url[ =]\S*(TORCH_INDEX_URL|download\.pytorch\.org/whl/cu\d+)", torch_command), (
        f"torch does not come from the CUDA wheel index: {torch_command}"
    )
    arg = [value for stage in stages(text) for value in stage.values("ARG") if value.startswith("TORCH_INDEX_URL=")]
    assert arg and re.fullmatch(r"TORCH_INDEX_URL=https://download\.pytorch\.org/whl/cu\d+", arg[0]), arg
    assert any(re.search(r"[\"']?\.\[(\w+,)*gpu(,\w+)*\][\"']?", command) for command in installs), (
        "the CUDA image does not install the gpu extra"
    )


def check_no_torch(text: str) -> None:
    for stage in stages(text):
        for command in pip_installs(stage):
            assert not re.search(r"\btorch\b", command), f"the CPU image installs torch: {command}"
            assert not re.search(r"\[[\w,]*\bgpu\b", command), f"the CPU image installs the gpu extra: {command}"


def check_venv_paths(text: str) -> None:
    from film_assets.deploy.manifests import IMAGE_PYTHON

    assert IMAGE_PYTHON == f"{VENV}/bin/python"
    final = stages(text)[-1]
    copied = [copy_parts(value) for value in final.values("COPY")]
    assert any(
        flags.get("from") and sources == [VENV] and destination == VENV for flags, sources, destination in copied
    ), f"the runtime stage does not copy {VENV} to itself"
    assert f"PATH={VENV}/bin:" in " ".join(final.values("ENV"))


def check_cpu_runtime(text: str) -> None:
    final = stages(text)[-1]
    assert not final.values("ENTRYPOINT"), "an ENTRYPOINT would wrap docker-compose's commands"
    env = " ".join(final.values("ENV"))
    assert "PYTHONUNBUFFERED=1" in env and "DAGSTER_HOME=/opt/dagster/dagster_home" in env
    assert {"3030", "8000"} <= set(" ".join(final.values("EXPOSE")).split())
    assert final.values("WORKDIR")
    command = json.loads(final.values("CMD")[-1])
    assert command == [
        "dagster",
        "code-server",
        "start",
        "-h",
        "0.0.0.0",
        "-p",
        "3030",
        "-m",
        "film_assets.definitions",
    ], command


# ---- the tests ------------------------------------------------------------------------------


@IMAGES
def test_image_is_multi_stage(dockerfile):
    check_multi_stage(dockerfile.read_text())


@IMAGES
def test_every_base_image_is_pinned_to_an_exact_version(dockerfile):
    check_bases_pinned(dockerfile.read_text())


@IMAGES
def test_final_stage_runs_as_uid_10001(dockerfile):
    check_runtime_user(dockerfile.read_text())


@IMAGES
def test_copied_sources_are_in_the_repository_and_the_context(dockerfile):
    check_copy_sources(dockerfile.read_text())


@IMAGES
def test_pip_installs_use_the_constraints_file(dockerfile):
    check_pip_uses_constraints(dockerfile.read_text())


@IMAGES
def test_runtime_python_is_the_venv_the_step_origins_name(dockerfile):
    check_venv_paths(dockerfile.read_text())


def test_cuda_image_pins_torch_and_installs_the_gpu_extra():
    text = CUDA.read_text()
    check_cuda_torch(text)
    assert re.fullmatch(r"nvidia/cuda:\d+\.\d+\.\d+-cudnn-runtime-ubuntu2[24]\.04", stages(text)[-1].image)
    assert "FILMSTUDIO_DEVICE" not in text  # the code picks CUDA itself


def test_cpu_image_has_no_torch_and_serves_the_code_location():
    text = CPU.read_text()
    check_no_torch(text)
    check_cpu_runtime(text)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", stages(text)[-1].image)
    assert all(stage.image == stages(text)[-1].image for stage in stages(text)), "builder and runtime differ"


def test_code_server_command_exists_in_the_installed_dagster():
    from click.testing import CliRunner
    from dagster._cli import cli

    command = json.loads(stages(CPU.read_text())[-1].values("CMD")[-1])
    group = cli
    words = command[1:]
    while words and hasattr(group, "commands") and words[0] in group.commands:
        group = group.commands[words.pop(0)]
    assert [group.name] == ["start"], command
    options = {opt for param in group.params for opt in param.opts}
    assert {"-h", "-p", "-m"} <= options
    assert CliRunner().invoke(cli, command[1:] + ["--help"]).exit_code == 0


def test_dockerignore_keeps_local_state_out():
    patterns = dockerignore_patterns()
    for path in (".venv", ".git", ".pytest_cache", "bench/output", "film_assets.egg-info", "film_assets/__pycache__"):
        assert ignored(path, patterns), f".dockerignore lets {path} into the build context"
    for path in ("pyproject.toml", "README.md", "film_assets", "infra/docker/constraints.txt"):
        assert not ignored(path, patterns), path


def test_constraints_are_exact_pins_of_the_installed_runtime_dependencies():
    pins = constraint_pins(CONSTRAINTS.read_text())
    for name in DAGSTER_FAMILY:
        assert pins.get(name) == version(name), f"constraints.txt: {name}=={pins.get(name)}, .venv has {version(name)}"
    assert "torch" not in pins, "torch is installed by each Dockerfile, not from the constraints"
    assert not DEV_ONLY & set(pins), f"dev-only tools pinned: {sorted(DEV_ONLY & set(pins))}"
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {
        canonicalize_name(Requirement(line).name)
        for line in project["dependencies"] + project["optional-dependencies"]["gpu"]
    } - {"torch"}
    assert wanted <= set(pins), f"not pinned: {sorted(wanted - set(pins))}"
    assert "freeze_constraints.sh" in CONSTRAINTS.read_text(), "the header should say how to regenerate it"


def test_constraints_are_what_the_freeze_script_writes_now(tmp_path):
    out = tmp_path / "constraints.txt"
    subprocess.run(
        ["bash", str(DOCKER / "freeze_constraints.sh"), str(out)],
        check=True,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable},
        capture_output=True,
    )
    assert constraint_pins(out.read_text()) == constraint_pins(CONSTRAINTS.read_text()), (
        "constraints.txt is stale: run `bash infra/docker/freeze_constraints.sh`"
    )


def test_compose_still_builds_the_cpu_image():
    compose = yaml.safe_load((REPO / "infra" / "docker-compose.yml").read_text())
    builds = [service["build"] for service in compose["services"].values() if "build" in service]
    assert builds
    for build in builds:
        assert (REPO / "infra" / build["context"] / build["dockerfile"]).resolve() == CPU
