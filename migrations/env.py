"""Alembic environment: runs on the connection or URL that `core.cli.alembic_config` hands over."""

import warnings

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.exc import SAWarning

config = context.config
target_metadata = config.attributes["target_metadata"]

# Added by migration 0006 where pgvector is available, on purpose not mapped (see matching.vectors).
UNMAPPED = {("column", "embedding"), ("index", "ix_candidate_vectors_embedding_hnsw")}


def include_object(object_, name, type_, reflected, compare_to) -> bool:
    """Leave out of autogenerate what the database has beside the models on purpose."""
    unmapped = reflected and compare_to is None and (type_, name) in UNMAPPED
    return not (unmapped and object_.table.name == "candidate_vectors")


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction(), warnings.catch_warnings():
        # Autogenerate reflects pgvector's column as of an unknown type before leaving it out.
        warnings.filterwarnings("ignore", "Did not recognize type 'vector'", SAWarning)
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.attributes["url"], target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif "connection" in config.attributes:
    run_migrations(config.attributes["connection"])
else:
    engine = create_engine(config.attributes["url"], poolclass=pool.NullPool)
    with engine.connect() as connection:
        run_migrations(connection)
    engine.dispose()
