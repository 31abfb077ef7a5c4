"""Where the checkout is: the working directory of subprocesses the tests start."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
