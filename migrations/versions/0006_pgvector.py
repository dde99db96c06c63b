"""pgvector: an HNSW-indexed embedding column beside candidate_vectors.vector, where available

On PostgreSQL whose server has the pgvector extension (pg_available_extensions lists "vector"),
create the extension, add ``embedding vector(384)`` to candidate_vectors and an HNSW index on it
for cosine distance. Anywhere else (SQLite, PostgreSQL without pgvector) this revision does
nothing and matching.vectors searches with numpy. The ORM does not map the column: migrations/env.py
leaves it and its index out of autogenerate's comparison.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 02:30:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

DIMENSION = 384  # all-MiniLM-L6-v2; matching.vectors.PGVECTOR_DIMENSION


def pgvector_available(bind) -> bool:
    if bind.dialect.name != "postgresql":
        return False
    found = bind.scalar(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"))
    return found is not None


def embedding_column_exists(bind) -> bool:
    if bind.dialect.name != "postgresql":
        return False
    # Not sa.inspect(): reflecting a column of type vector warns that the type is unknown.
    found = bind.scalar(
        sa.text(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = 'candidate_vectors' AND column_name = 'embedding'"
        )
    )
    return found is not None


def upgrade() -> None:
    bind = op.get_bind()
    if not pgvector_available(bind):
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute(f"ALTER TABLE candidate_vectors ADD COLUMN embedding vector({DIMENSION})")
    op.execute(
        "CREATE INDEX ix_candidate_vectors_embedding_hnsw ON candidate_vectors"
        " USING hnsw (embedding vector_cosine_ops)"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if not embedding_column_exists(bind):
        return
    op.execute("DROP INDEX IF EXISTS ix_candidate_vectors_embedding_hnsw")
    op.execute("ALTER TABLE candidate_vectors DROP COLUMN embedding")
    # The extension goes too, unless something else now uses it (DROP EXTENSION refuses then).
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("DROP EXTENSION vector"))
    except sa.exc.DBAPIError:
        savepoint.rollback()
    else:
        savepoint.commit()
