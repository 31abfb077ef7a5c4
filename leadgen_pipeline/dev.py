"""`make dev`: the Dagster UI and daemon, with the sandbox for any API without a key."""

import os
import subprocess
import sys

from leadgen_pipeline.local_services import services_from_environment

DAGSTER_PORT = os.environ.get("LEADGEN_DAGSTER_PORT", "3000")


def main() -> int:
    with services_from_environment() as notes:
        for note in notes:
            print(note, flush=True)
        command = [
            sys.executable,
            "-m",
            "dagster",
            "dev",
            "-m",
            "leadgen_pipeline.definitions",
            "-h",
            "127.0.0.1",
            "-p",
            DAGSTER_PORT,
        ]
        dagster = subprocess.Popen(command)
        try:
            return dagster.wait()
        except KeyboardInterrupt:
            dagster.terminate()
            return dagster.wait()


if __name__ == "__main__":
    sys.exit(main())
