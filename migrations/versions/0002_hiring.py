"""hiring: roles, candidates, pipelines, CRM

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:53:09.207012
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('talent_pools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talent_pools')),
    sa.UniqueConstraint('name', name=op.f('uq_talent_pools_name'))
    )
    op.create_table('candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('emails', sa.JSON(), nullable=False),
    sa.Column('phones', sa.JSON(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('links', sa.JSON(), nullable=False),
    sa.Column('headline', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('work_history', sa.JSON(), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('source', sa.Enum('applied', 'sourced', 'referral', 'event', 'agency', name='candidatesource', native_enum=False, length=24), nullable=False),
    sa.Column('source_detail', sa.String(length=200), nullable=False),
    sa.Column('referrer_name', sa.String(length=200), nullable=False),
    sa.Column('consent_status', sa.Enum('unknown', 'notice_sent', 'consented', 'withdrawn', name='consentstatus', native_enum=False, length=24), nullable=False),
    sa.Column('consent_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_prospect', sa.Boolean(), nullable=False),
    sa.Column('not_looking_until', sa.Date(), nullable=True),
    sa.Column('next_reengage_on', sa.Date(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_candidates_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['candidates.id'], name=op.f('fk_candidates_merged_into_id_candidates'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidates'))
    )
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidates_is_prospect'), ['is_prospect'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidates_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidates_next_reengage_on'), ['next_reengage_on'], unique=False)

    op.create_table('job_roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('team', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'on_hold', 'filled', 'closed', name='rolestatus', native_enum=False, length=24), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('hiring_manager_id', sa.Integer(), nullable=True),
    sa.Column('recruiter_id', sa.Integer(), nullable=True),
    sa.Column('target_start', sa.Date(), nullable=True),
    sa.Column('template_key', sa.String(length=60), nullable=True),
    sa.Column('loop_name', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('use_cases', sa.Text(), nullable=False),
    sa.Column('must_have', sa.JSON(), nullable=False),
    sa.Column('nice_to_have', sa.JSON(), nullable=False),
    sa.Column('tech_stack', sa.JSON(), nullable=False),
    sa.Column('day_to_day', sa.Text(), nullable=False),
    sa.Column('interview_process', sa.Text(), nullable=False),
    sa.Column('links', sa.JSON(), nullable=False),
    sa.Column('jd_is_llm_draft', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['hiring_manager_id'], ['users.id'], name=op.f('fk_job_roles_hiring_manager_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recruiter_id'], ['users.id'], name=op.f('fk_job_roles_recruiter_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_roles'))
    )
    with op.batch_alter_table('job_roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_roles_status'), ['status'], unique=False)

    op.create_table('candidate_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('transcript', 'portfolio', 'resume', 'note', name='documentkind', native_enum=False, length=24), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('source_name', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_candidate_documents_candidate_id_candidates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_documents'))
    )
    with op.batch_alter_table('candidate_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidate_documents_candidate_id'), ['candidate_id'], unique=False)

    op.create_table('candidate_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('primary_id', sa.Integer(), nullable=False),
    sa.Column('duplicate_id', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_candidate_merges_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['duplicate_id'], ['candidates.id'], name=op.f('fk_candidate_merges_duplicate_id_candidates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['primary_id'], ['candidates.id'], name=op.f('fk_candidate_merges_primary_id_candidates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'], name=op.f('fk_candidate_merges_undone_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_merges'))
    )
    with op.batch_alter_table('candidate_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidate_merges_duplicate_id'), ['duplicate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_merges_primary_id'), ['primary_id'], unique=False)

    op.create_table('pool_members',
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_pool_members_candidate_id_candidates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pool_id'], ['talent_pools.id'], name=op.f('fk_pool_members_pool_id_talent_pools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pool_id', 'candidate_id', name=op.f('pk_pool_members'))
    )
    op.create_table('role_interviewers',
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['job_roles.id'], name=op.f('fk_role_interviewers_role_id_job_roles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_interviewers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('role_id', 'user_id', name=op.f('pk_role_interviewers'))
    )
    op.create_table('role_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('active', 'hired', 'rejected', 'withdrawn', name='stagekind', native_enum=False, length=24), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['job_roles.id'], name=op.f('fk_role_stages_role_id_job_roles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_stages')),
    sa.UniqueConstraint('role_id', 'name', name=op.f('uq_role_stages_role_id_name'))
    )
    with op.batch_alter_table('role_stages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_stages_role_id'), ['role_id'], unique=False)

    op.create_table('touchpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('email', 'call', 'meeting', 'note', name='touchpointkind', native_enum=False, length=24), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_touchpoints_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_touchpoints_candidate_id_candidates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_touchpoints'))
    )
    with op.batch_alter_table('touchpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_touchpoints_candidate_id'), ['candidate_id'], unique=False)

    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('rejection_reason', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stage_entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_applications_candidate_id_candidates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['job_roles.id'], name=op.f('fk_applications_role_id_job_roles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stage_id'], ['role_stages.id'], name=op.f('fk_applications_stage_id_role_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('candidate_id', 'role_id', name=op.f('uq_applications_candidate_id_role_id'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_role_id'), ['role_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_stage_id'), ['stage_id'], unique=False)

    op.create_table('stage_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('from_stage_id', sa.Integer(), nullable=True),
    sa.Column('to_stage_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_stage_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_stage_changes_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_stage_id'], ['role_stages.id'], name=op.f('fk_stage_changes_from_stage_id_role_stages')),
    sa.ForeignKeyConstraint(['to_stage_id'], ['role_stages.id'], name=op.f('fk_stage_changes_to_stage_id_role_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_changes'))
    )
    with op.batch_alter_table('stage_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_changes_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stage_changes_created_at'), ['created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('stage_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_changes_created_at'))
        batch_op.drop_index(batch_op.f('ix_stage_changes_application_id'))

    op.drop_table('stage_changes')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_stage_id'))
        batch_op.drop_index(batch_op.f('ix_applications_role_id'))
        batch_op.drop_index(batch_op.f('ix_applications_candidate_id'))

    op.drop_table('applications')
    with op.batch_alter_table('touchpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_touchpoints_candidate_id'))

    op.drop_table('touchpoints')
    with op.batch_alter_table('role_stages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_stages_role_id'))

    op.drop_table('role_stages')
    op.drop_table('role_interviewers')
    op.drop_table('pool_members')
    with op.batch_alter_table('candidate_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_merges_primary_id'))
        batch_op.drop_index(batch_op.f('ix_candidate_merges_duplicate_id'))

    op.drop_table('candidate_merges')
    with op.batch_alter_table('candidate_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_documents_candidate_id'))

    op.drop_table('candidate_documents')
    with op.batch_alter_table('job_roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_roles_status'))

    op.drop_table('job_roles')
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidates_next_reengage_on'))
        batch_op.drop_index(batch_op.f('ix_candidates_name'))
        batch_op.drop_index(batch_op.f('ix_candidates_is_prospect'))

    op.drop_table('candidates')
    op.drop_table('talent_pools')
