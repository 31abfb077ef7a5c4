import sqlalchemy as sa

from leadgen_pipeline.storage import schema
from leadgen_pipeline.storage.database import create_database_engine
from leadgen_pipeline.storage.migrations import migrate, migration_files


def test_the_migrated_schema_matches_the_table_definitions(engine):
    inspector = sa.inspect(engine)
    for table in schema.metadata.sorted_tables:
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(columns) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, (
                f"{table.name}.{column.name}"
            )
        primary_key = inspector.get_pk_constraint(table.name)["constrained_columns"]
        assert primary_key == [c.name for c in table.primary_key.columns], table.name


def test_migrating_again_applies_nothing(engine):
    assert migrate(engine) == []
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version FROM schema_migrations")).scalars().all()
    assert sorted(versions) == [version for version, _ in migration_files()]


def test_a_fresh_sqlite_database_is_migrated_on_first_use(tmp_path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    assert set(sa.inspect(engine).get_table_names()) >= {
        t.name for t in schema.metadata.sorted_tables
    }


def test_migration_files_must_be_numbered_without_gaps(tmp_path):
    (tmp_path / "001_a.sql").write_text("SELECT 1;")
    (tmp_path / "003_c.sql").write_text("SELECT 1;")
    try:
        migration_files(tmp_path)
    except ValueError as error:
        assert "without gaps" in str(error)
    else:
        raise AssertionError("a gap was accepted")


def test_a_failing_migration_leaves_no_trace(tmp_path):
    (tmp_path / "001_ok.sql").write_text("CREATE TABLE ok_table (id INTEGER PRIMARY KEY);")
    (tmp_path / "002_broken.sql").write_text(
        "CREATE TABLE half_table (id INTEGER PRIMARY KEY);\nTHIS IS NOT SQL;"
    )
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    try:
        migrate(engine, tmp_path)
    except sa.exc.OperationalError:
        pass
    else:
        raise AssertionError("a broken migration was accepted")
    tables = set(sa.inspect(engine).get_table_names())
    assert "ok_table" in tables
    assert "half_table" not in tables
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version FROM schema_migrations")).scalars().all() == [1]
