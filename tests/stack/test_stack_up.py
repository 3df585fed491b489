"""`filmstudio up`, every part real: the command as its own process starting a moto server, the
dagster-daemon, the dagster-webserver and the API on a fresh Postgres database; `filmstudio keys
create` against it; SIGTERM, Ctrl-C and a crashed child that cannot be restarted stopping
everything, with nothing left running; a service that dies started again. And infra/docker-compose.yml, which cannot run here, checked against the code it names."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from film_assets.stack.child_env import STACK_ENV
from film_assets.stack.supervisor import QUEUE_NAME
from resources.profiles import MEDIA_LINK_ENV, SERVICE_ENV
from tests.conftest import REPO, free_port, wait_for_http

pytestmark = pytest.mark.service

STOP_WITHIN_S = 20
# variables the parent's environment must not leak into the stack under test
ISOLATED = (
    "DAGSTER_HOME",
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    *SERVICE_ENV.values(),
    *STACK_ENV,
    *MEDIA_LINK_ENV.values(),
)


def _env(home: Path) -> dict:
    env = {name: value for name, value in os.environ.items() if name not in ISOLATED}
    env["FILMSTUDIO_HOME"] = str(home)
    return env


def _default_signals() -> None:
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)


class Up:
    """One `filmstudio up` process with its own FILMSTUDIO_HOME and free ports."""

    def __init__(self, tmp_path: Path, postgres_url: str):
        self.home = tmp_path / "home"
        self.api, self.ui, self.aws = free_port(), free_port(), free_port()
        self.out, self.err = tmp_path / "up.out", tmp_path / "up.err"
        command = [
            sys.executable,
            "-m",
            "film_assets.cli",
            "up",
            "--api-port",
            str(self.api),
            "--ui-port",
            str(self.ui),
            "--aws-port",
            str(self.aws),
            "--postgres-url",
            postgres_url,
        ]
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.process = subprocess.Popen(
                command, env=_env(self.home), stdout=out, stderr=err, cwd=tmp_path, preexec_fn=_default_signals
            )
        self.api_url, self.ui_url = f"http://127.0.0.1:{self.api}", f"http://127.0.0.1:{self.ui}"

    def state(self) -> dict:
        path = self.home / "service" / "stack.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def output(self) -> str:
        return f"stdout:\n{self.out.read_text()}\nstderr:\n{self.err.read_text()}"

    def wait_until_up(self) -> None:
        try:
            wait_for_http(f"{self.api_url}/health", self.process, timeout_s=90)
            wait_for_http(f"{self.ui_url}/server_info", self.process, timeout_s=30)
            deadline = time.monotonic() + 30
            while self.state().get("status") != "running":
                assert self.process.poll() is None and time.monotonic() < deadline, self.output()
                time.sleep(0.2)
        except RuntimeError as error:
            raise AssertionError(f"{error}\n{self.output()}") from None

    def stop(self, number: int) -> int:
        """Send a signal; the exit code, once the command has exited."""
        started = time.monotonic()
        self.process.send_signal(number)
        try:
            code = self.process.wait(timeout=STOP_WITHIN_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"`filmstudio up` still running {STOP_WITHIN_S} s after {number!r}\n{self.output()}"
            ) from None
        self.stopped_in_s = time.monotonic() - started
        return code

    def kill(self) -> None:
        """Last resort for a failed test: the command and every process of this home."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pid in _processes_of(self.home):
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _processes_of(home: Path) -> list[int]:
    """Every live process whose environment has FILMSTUDIO_HOME=home (children, code servers, run
    workers, Postgres)."""
    marker = f"FILMSTUDIO_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0") and _alive(int(entry.name)):
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        return b"State:\tZ" not in Path(f"/proc/{pid}/status").read_bytes()
    except OSError:
        return False


def _assert_nothing_left(up: Up) -> None:
    state = up.state()
    assert state["status"] == "stopped", state
    pids = [child["pid"] for child in state["children"]]
    assert {child["name"] for child in state["children"]} >= {"moto", "dagster-daemon", "dagster-webserver", "api"}
    deadline = time.monotonic() + 5  # the kernel reaps SIGKILLed grandchildren a moment later
    while (_processes_of(up.home) or any(_alive(pid) for pid in pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in pids if _alive(pid)], state
    assert _processes_of(up.home) == [], "processes of this stack still running"


def _keys_create(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "film_assets.cli", "keys", "create", *args],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def up_factory(tmp_path, postgres_url):
    started = []

    def start() -> Up:
        up = Up(tmp_path, postgres_url)
        started.append(up)
        return up

    yield start
    for up in started:  # a failed test must not leave a stack behind (nor block dropping the database)
        up.kill()


@pytest.mark.slow  # `filmstudio up`
def test_up_serves_the_api_and_ui_keys_authenticate_and_sigterm_stops_everything(up_factory):
    up = up_factory()
    up.wait_until_up()
    summary = up.out.read_text()
    for promise in (
        up.api_url,
        f"{up.api_url}/docs",
        up.ui_url,
        "filmstudio keys create",
        "X-API-Key",
        str(up.home / "service" / "logs"),
    ):
        assert promise in summary, summary
    state = up.state()
    assert state["urls"]["api"] == up.api_url and state["postgres_url"].startswith("postgresql+psycopg2://")
    # the processes get exactly the service profile's settings, and every one it needs
    assert set(state["env"]) <= set(SERVICE_ENV.values()) | set(STACK_ENV), state["env"]
    assert state["env"]["FILMSTUDIO_PROFILE"] == "service"
    assert state["env"]["FILMSTUDIO_QUEUE_URL"].endswith(f"/{QUEUE_NAME}")
    assert (up.home / "service" / "dagster_home" / "dagster.yaml").is_file()

    created = _keys_create(up.home, "studio-a")  # finds the database through stack.json
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert created.stdout == f"{key}\n" and re.fullmatch(r"[A-Za-z0-9_-]{20,}", key), created.stdout
    assert "X-API-Key" in created.stderr
    assert httpx.get(f"{up.api_url}/projects", headers={"X-API-Key": key}, timeout=30).status_code == 200
    assert httpx.get(f"{up.api_url}/projects", timeout=30).status_code == 401
    assert httpx.get(f"{up.api_url}/projects", headers={"X-API-Key": key + "x"}, timeout=30).status_code == 401
    # media links are on: a secret made once, owner-only, kept out of stack.json (a malformed link is
    # a 400, where a server without a secret answers 503)
    secret = up.home / "service" / "media-link-secret"
    assert secret.stat().st_mode & 0o777 == 0o600 and secret.read_text().strip() not in json.dumps(up.state())
    assert httpx.get(f"{up.api_url}/media/not-a-token", timeout=30).status_code == 400

    assert up.stop(signal.SIGTERM) == 0, up.output()
    _assert_nothing_left(up)
    assert up.state()["exit_code"] == 0


@pytest.mark.slow  # `filmstudio up`
def test_ctrl_c_while_starting_stops_what_was_started(up_factory):
    up = up_factory()
    deadline = time.monotonic() + 60
    while "api" not in {child["name"] for child in up.state().get("children", [])}:
        assert up.process.poll() is None and time.monotonic() < deadline, up.output()
        time.sleep(0.1)
    assert up.stop(signal.SIGINT) == 0, up.output()
    assert "SIGINT" in up.err.read_text()
    _assert_nothing_left(up)


@pytest.mark.slow  # `filmstudio up`
def test_a_service_that_dies_is_started_again_and_counted(up_factory):
    up = up_factory()
    up.wait_until_up()
    children = {child["name"]: child for child in up.state()["children"]}
    for name in ("api", "dagster-daemon"):
        os.killpg(children[name]["pid"], signal.SIGKILL)  # its whole group: an OOM kill, a segfault

    def restarted():
        now = {child["name"]: child for child in up.state()["children"]}
        return all(now[name].get("restarts") == 1 for name in ("api", "dagster-daemon")) and now

    deadline = time.monotonic() + 60
    while not (now := restarted()):
        assert up.process.poll() is None and time.monotonic() < deadline, up.output()
        time.sleep(0.2)
    for name in ("api", "dagster-daemon"):
        assert now[name]["pid"] != children[name]["pid"] and now[name]["last_exit_code"] == -9, now[name]
    assert up.state()["restarts"] == 2 and up.state()["status"] == "running"
    wait_for_http(f"{up.api_url}/health", up.process, timeout_s=60)  # the same port, serving again
    log = (up.home / "service" / "logs" / "api.log").read_text()
    assert "started again by filmstudio up (restart 1)" in log
    error = up.err.read_text()
    assert "api (pid" in error and "exited with code -9; starting it again in 1 s" in error, error

    assert up.stop(signal.SIGTERM) == 0, up.output()
    _assert_nothing_left(up)


@pytest.mark.slow  # `filmstudio up`
def test_a_crashed_service_is_reported_and_stops_the_stack(up_factory):
    up = up_factory()
    up.wait_until_up()
    moto = next(child for child in up.state()["children"] if child["name"] == "moto")
    os.kill(moto["pid"], signal.SIGKILL)
    code = up.process.wait(timeout=STOP_WITHIN_S)
    assert code == 1, up.output()
    error = up.err.read_text()
    assert "moto exited unexpectedly with code -9; not restarted: it keeps SQS and S3 in memory" in error, error
    assert moto["log"] in error, error
    _assert_nothing_left(up)


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """`filmstudio ...` in this process (cheap for the commands that fail before starting anything)."""
    from film_assets.cli.main import main

    for name in ISOLATED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FILMSTUDIO_HOME", str(tmp_path / "home"))

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_keys_create_refuses_a_bad_tenant_and_a_missing_database(cli, postgres_url):
    code, out, err = cli("keys", "create", "Studio A!", "--postgres-url", postgres_url)
    assert (code, out) == (2, "") and "tenant 'Studio A!'" in err, err
    code, out, err = cli("keys", "create", "studio-a")  # no flag, no variable, no stack.json
    assert (code, out) == (2, "") and "--postgres-url" in err and "filmstudio up" in err, err
    code, out, err = cli("keys", "create", "studio-a", "--postgres-url", "postgresql://postgres@127.0.0.1:1/none")
    assert (code, out) == (2, "") and "cannot reach the API's database" in err, err
    code, out, err = cli("keys", "create", "studio-a", "--postgres-url", postgres_url)
    assert code == 0 and out.startswith("fs_") and out.count("\n") == 1, err


def test_keys_are_listed_by_prefix_and_revoked_by_prefix(cli, postgres_url):
    tenant = f"keys-{uuid.uuid4().hex[:8]}"  # the database is shared: this test's own tenant
    made = [cli("keys", "create", tenant, "--postgres-url", postgres_url)[1].strip() for _ in range(2)]
    code, out, err = cli("keys", "list", "--tenant", tenant, "--json", "--postgres-url", postgres_url)
    listed = json.loads(out)
    assert code == 0 and [k["prefix"] for k in listed] == [key[:10] for key in made], err
    assert not any(key in out for key in made) and {k["revoked_at"] for k in listed} == {None}

    code, out, err = cli("keys", "revoke", made[0][:10], "--postgres-url", postgres_url)
    assert code == 0 and f"revoked {made[0][:10]} of tenant '{tenant}'" in out, err
    code, out, _ = cli("keys", "list", "--tenant", tenant, "--postgres-url", postgres_url)
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "revoked" in rows[made[0][:10]] and rows[made[1][:10]].endswith("active")
    code, _, err = cli("keys", "revoke", made[0][:10], "--postgres-url", postgres_url)  # already revoked
    assert code == 2 and "no active key starts with" in err, err
    code, _, err = cli("keys", "revoke", "fs_", "--postgres-url", postgres_url)  # would match every key
    assert code == 2 and "not a key prefix" in err, err
    code, out, err = cli("keys", "revoke", made[1], "--postgres-url", postgres_url)  # the whole key works too
    assert code == 0 and made[1][:10] in out, err


def test_up_refuses_a_busy_port_before_starting_anything(cli, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = cli("up", "--api-port", str(port))
    assert code == 2, err
    assert f"127.0.0.1:{port}" in err and "--api-port" in err, err
    assert not (tmp_path / "home" / "service" / "stack.json").exists()


# --- infra/docker-compose.yml: what `filmstudio up` does, for users with Docker ---------------------

COMPOSE = REPO / "infra" / "docker-compose.yml"
APP_SERVICES = ("init", "dagster-daemon", "dagster-webserver", "api")
CREDENTIALS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.mark.infra  # deployment files
def test_compose_runs_the_same_services_as_filmstudio_up():
    services = _compose()["services"]
    assert set(services) == {"postgres", "moto", *APP_SERVICES}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["moto"]["image"].startswith("motoserver/moto:")
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == REPO / "infra/docker/Dockerfile"
    for name in ("postgres", "moto", "dagster-daemon", "dagster-webserver", "api"):
        assert services[name]["healthcheck"]["test"], name
    assert services["init"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "moto": {"condition": "service_healthy"},
    }
    for name in ("dagster-daemon", "dagster-webserver", "api"):
        assert services[name]["depends_on"] == {"init": {"condition": "service_completed_successfully"}}
    published = {port for name in services for port in services[name].get("ports", [])}
    assert published == {"127.0.0.1:8000:8000", "127.0.0.1:3000:3000"}


@pytest.mark.infra  # deployment files
def test_compose_sets_exactly_the_variables_the_service_profile_reads():
    services = _compose()["services"]
    environments = [services[name]["environment"] for name in APP_SERVICES]
    assert all(environment == environments[0] for environment in environments)
    env = environments[0]
    assert set(env) <= set(SERVICE_ENV.values()) | set(STACK_ENV) | CREDENTIALS | set(MEDIA_LINK_ENV.values()), set(env)
    # media links: through the published API, signed with the user's own secret (none is shipped)
    assert env[MEDIA_LINK_ENV["api_url"]] == "http://127.0.0.1:8000"
    assert env[MEDIA_LINK_ENV["secret"]] == "${FILMSTUDIO_MEDIA_LINK_SECRET:-}"
    needed = {
        SERVICE_ENV[name]
        for name in ("postgres_url", "bucket", "queue_url", "dead_letter_queue_url", "endpoint_url", "region_name")
    }
    assert needed <= set(env)
    assert env["FILMSTUDIO_PROFILE"] == "service"
    assert env["FILMSTUDIO_POSTGRES_URL"].startswith("postgresql+psycopg2://")  # SQLAlchemy 2.1: name the driver
    assert env["FILMSTUDIO_QUEUE_URL"] == f"{env['AWS_ENDPOINT_URL']}/123456789012/{QUEUE_NAME}"
    assert env["FILMSTUDIO_DLQ_URL"] == f"{env['FILMSTUDIO_QUEUE_URL']}-dlq"
    user, password = re.match(
        r"postgresql\+psycopg2://([^:]+):([^@]+)@postgres:5432/(\w+)", env["FILMSTUDIO_POSTGRES_URL"]
    ).groups()[:2]
    postgres = services["postgres"]["environment"]
    assert (postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"]) == (user, password)


def _module_of(command: list[str]) -> str:
    if command[:2] == ["python", "-m"]:
        return command[2]
    console_scripts = {"dagster-daemon": "dagster._daemon", "dagster-webserver": "dagster_webserver"}
    assert command[0] in console_scripts, command
    assert Path(sys.executable).with_name(command[0]).exists(), f"{command[0]} is not installed with the package"
    return console_scripts[command[0]]


@pytest.mark.infra  # deployment files
def test_compose_commands_name_real_modules():
    services = _compose()["services"]
    for name in APP_SERVICES:
        command = services[name]["command"]
        assert importlib.util.find_spec(_module_of(command)) is not None, command
        for flag, value in zip(command, command[1:]):
            if flag == "-m" and value != _module_of(command):
                assert importlib.util.find_spec(value) is not None, command
    assert services["init"]["command"] == ["python", "-m", "film_assets.stack.prepare"]
    assert callable(importlib.import_module("film_assets.stack.prepare").prepare_service_from_environment)
    factory = services["api"]["command"][3]
    module, _, attribute = factory.partition(":")
    assert callable(getattr(importlib.import_module(module), attribute)), factory
    # the healthchecks ask the endpoints the services really have
    checks = " ".join(" ".join(services[name].get("healthcheck", {}).get("test", [])) for name in services)
    assert "/health'" in checks and "/server_info'" in checks and "/moto-api/'" in checks


@pytest.mark.infra  # deployment files
def test_dockerfile_is_a_pinned_non_root_python_image_of_this_package():
    dockerfile = (REPO / "infra" / "docker" / "Dockerfile").read_text()
    base = re.search(r"^FROM (\S+)", dockerfile, re.MULTILINE).group(1)
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", base), base
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)
    repo_copies = re.findall(r"^COPY (?!--from=)(.+) \S+$", dockerfile, re.MULTILINE)  # not stage-to-stage
    for source in repo_copies:
        for path in source.split():
            assert (REPO / path).exists(), f"the Dockerfile copies {path}, which is not in the repository"
    copied = {path for source in repo_copies for path in source.split()}
    found = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert {pattern.rstrip("*") for pattern in found["include"]} <= copied  # every package pip installs
