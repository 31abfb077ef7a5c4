"""Child processes of a test: their environment, their command lines, and ending them."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from leadgen_pipeline_tests.support.fake_keys import LLM_KEY, PLACES_KEY
from leadgen_sandbox import Sandbox
from leadgen_sandbox.environment import sandbox_environ

SEARCH_PROCESS_MODULE = "leadgen_pipeline_tests.support.search_process"


def product_environment(
    sandbox: Sandbox, database_url: str, dagster_home: Path, data_dir: Path
) -> dict[str, str]:
    """The variables that point the product's own Definitions at the sandbox and a database,
    with the recognisable fake keys as the API keys."""
    return {
        **sandbox_environ(sandbox),
        "GOOGLE_PLACES_API_KEY": PLACES_KEY,
        "OPENAI_API_KEY": LLM_KEY,
        "LEADGEN_DATABASE_URL": database_url,
        "LEADGEN_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": str(dagster_home),
    }


def start_search_process(
    environment: Mapping[str, str], partition_key: str, log_path: Path
) -> subprocess.Popen[bytes]:
    """`python -m ...search_process KEY` in its own session (so its process group is its
    own to kill), output to `log_path`."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", SEARCH_PROCESS_MODULE, partition_key],
            env={**os.environ, **environment},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child and anything it started (its own session: pgid == its pid)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def descendants(pid: int) -> list[int]:
    """`pid` and every live process below it, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name in parentheses may hold spaces: the ppid follows the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, frontier = [pid], [pid]
    while frontier:
        for child in children.get(frontier.pop(), []):
            found.append(child)
            frontier.append(child)
    return found


def command_lines(pids: Iterable[int]) -> dict[int, str]:
    lines = {}
    for pid in pids:
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile
        lines[pid] = raw.replace(b"\0", b" ").decode("utf-8", "replace")
    return lines
