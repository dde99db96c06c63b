"""The migrations: one head, upgrade from empty, no drift from the models, downgrade to base."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, text

from core.cli import alembic_config
from core.db import Base, get_database


def test_single_head(app_context):
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"merge the migration heads {heads}"


@contextmanager
def empty_database(tmp_path) -> Iterator[Connection]:
    """An empty SQLite file, plus an empty schema in the PostgreSQL leg."""
    url = get_database().url
    if url.startswith("postgresql"):
        schema = f"migration_check_{uuid.uuid4().hex[:8]}"
        engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            with engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()
    else:
        engine = create_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
        with engine.connect() as connection:
            yield connection
        engine.dispose()


def user_tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def test_upgrade_autogenerate_and_downgrade_on_an_empty_database(app_context, tmp_path):
    with empty_database(tmp_path) as connection:
        config = alembic_config(connection)
        command.upgrade(config, "head")
        connection.commit()
        assert user_tables(connection) == set(Base.metadata.tables)

        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == [], "models and migrations differ"

        command.downgrade(config, "base")
        connection.commit()
        assert user_tables(connection) == set()


def test_the_test_database_itself_is_at_head(app_context):
    with get_database().engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert set(current) == set(heads)
