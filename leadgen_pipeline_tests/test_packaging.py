"""The product's wheel: the package with its migrations, nothing of the development checkout."""

import subprocess
import sys
import zipfile
from pathlib import Path

from leadgen_pipeline_tests.support.paths import PROJECT_ROOT

MIGRATE_FROM_THE_WHEEL = """
import sqlalchemy as sa
import leadgen_pipeline
from leadgen_pipeline.storage.database import create_database_engine
from leadgen_pipeline.storage.migrations import SQL_DIR
assert leadgen_pipeline.__file__.startswith({root!r}), leadgen_pipeline.__file__
assert str(SQL_DIR).startswith({root!r}), SQL_DIR
engine = create_database_engine("sqlite:///{database}")
with engine.connect() as conn:
    print(len(conn.execute(sa.text("SELECT version FROM schema_migrations")).all()))
"""


def build_wheel(directory: Path) -> Path:
    # No build isolation: the backend (hatchling) is in the dev extra, and nothing is fetched.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(directory), str(PROJECT_ROOT)],
        check=True,
    )  # fmt: skip
    [wheel] = directory.glob("leadgen_pipeline-*.whl")
    return wheel


def test_the_wheel_carries_the_migrations_and_no_sandbox_tests_or_benchmarks(tmp_path):
    names = zipfile.ZipFile(build_wheel(tmp_path)).namelist()
    packaged = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("leadgen_pipeline/sql/"))
    assert packaged == sorted(path.name for path in (PROJECT_ROOT / "sql").glob("*.sql"))
    assert {name.split("/")[0] for name in names} == {
        "leadgen_pipeline",
        *(name.split("/")[0] for name in names if ".dist-info/" in name),
    }


def test_the_installed_wheel_migrates_an_empty_database(tmp_path):
    wheel = build_wheel(tmp_path / "dist")
    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    script = MIGRATE_FROM_THE_WHEEL.format(root=str(installed), database=tmp_path / "empty.sqlite3")
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(list((PROJECT_ROOT / "sql").glob("*.sql")))
