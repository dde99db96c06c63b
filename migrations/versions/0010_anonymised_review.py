"""anonymised review

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 03:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing roles keep reviewing with names shown: the column starts false for them.
    with op.batch_alter_table('job_roles', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('anonymised_review', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table('job_roles', schema=None) as batch_op:
        batch_op.drop_column('anonymised_review')
