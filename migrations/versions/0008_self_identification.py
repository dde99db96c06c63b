"""self identification

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 03:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('self_identifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('gender', sa.Enum('female', 'male', 'non_binary', 'declined', name='gender', native_enum=False, length=32), nullable=True),
    sa.Column('race_ethnicity', sa.Enum('hispanic_latino', 'white', 'black', 'native_hawaiian_pacific', 'asian', 'native_american_alaska', 'two_or_more', 'declined', name='raceethnicity', native_enum=False, length=32), nullable=True),
    sa.Column('age_band', sa.Enum('under_30', '30_39', '40_49', '50_plus', 'declined', name='ageband', native_enum=False, length=32), nullable=True),
    sa.Column('disability', sa.Enum('yes', 'no', 'declined', name='disability', native_enum=False, length=32), nullable=True),
    sa.Column('veteran', sa.Enum('protected', 'not_protected', 'declined', name='veteran', native_enum=False, length=32), nullable=True),
    sa.Column('source', sa.Enum('candidate_form', 'recruiter', name='selfidsource', native_enum=False, length=32), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_self_identifications_candidate_id_candidates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_self_identifications_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_identifications')),
    sa.UniqueConstraint('candidate_id', name=op.f('uq_self_identifications_candidate_id'))
    )


def downgrade() -> None:
    op.drop_table('self_identifications')
