"""golden sets

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 03:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('golden_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rubric_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=200), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('reference_answer', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('max_score', sa.Double(), nullable=False),
    sa.Column('source_name', sa.String(length=300), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_golden_answers_imported_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rubric_id'], ['rubrics.id'], name=op.f('fk_golden_answers_rubric_id_rubrics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_golden_answers'))
    )
    with op.batch_alter_table('golden_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_golden_answers_rubric_id'), ['rubric_id'], unique=False)

    op.create_table('gate_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('rubric_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('baseline', sa.String(length=300), nullable=False),
    sa.Column('candidate', sa.String(length=300), nullable=False),
    sa.Column('scorer', sa.String(length=40), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('margin', sa.Double(), nullable=False),
    sa.Column('outcome', sa.Enum('passed', 'refused', 'warning', name='gateoutcome', native_enum=False, length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_gate_runs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rubric_id'], ['rubrics.id'], name=op.f('fk_gate_runs_rubric_id_rubrics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['rubric_versions.id'], name=op.f('fk_gate_runs_version_id_rubric_versions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gate_runs'))
    )
    with op.batch_alter_table('gate_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gate_runs_rubric_id'), ['rubric_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gate_runs_version_id'), ['version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('gate_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gate_runs_version_id'))
        batch_op.drop_index(batch_op.f('ix_gate_runs_rubric_id'))

    op.drop_table('gate_runs')
    with op.batch_alter_table('golden_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_golden_answers_rubric_id'))

    op.drop_table('golden_answers')
