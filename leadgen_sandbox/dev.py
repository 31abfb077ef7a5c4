"""`make dev`: the Dagster UI and daemon, the HTTP API, and the sandbox for APIs without keys."""

import os
import subprocess
import sys

from leadgen_sandbox.environment import patched_environ, services_from_environment

DAGSTER_PORT = os.environ.get("LEADGEN_DAGSTER_PORT", "3000")
API_PORT = os.environ.get("LEADGEN_API_PORT", "8000")


def main() -> int:
    with (
        services_from_environment() as notes,
        patched_environ({"LEADGEN_DAGSTER_URL": f"http://127.0.0.1:{DAGSTER_PORT}"}),
    ):
        for note in notes:
            print(note, flush=True)
        if not os.environ.get("LEADGEN_API_TOKEN"):
            print(
                "LEADGEN_API_TOKEN is not set: the API's mutating endpoints answer 503 "
                "until you export one",
                flush=True,
            )
        print(
            f"Dagster UI: http://127.0.0.1:{DAGSTER_PORT}  "
            f"API: http://127.0.0.1:{API_PORT}/docs  "
            f"directory: http://127.0.0.1:{API_PORT}/directory",
            flush=True,
        )
        children = [
            subprocess.Popen(
                [
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
            ),
            subprocess.Popen(
                [sys.executable, "-m", "leadgen_pipeline.cli", "serve", "--port", API_PORT]
            ),
        ]
        try:
            return children[0].wait()
        except KeyboardInterrupt:
            return 130
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait()


if __name__ == "__main__":
    sys.exit(main())
