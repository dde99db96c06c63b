"""Pages of the kernel: sign-in, invitations, user admin, audit log, background job progress."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from rq import Worker
from sqlalchemy import select

from core import auth, jobs
from core.audit import list_audit_actions, list_audit_events
from core.auth import Role, public, require_login, require_role
from core.db import get_session
from core.errors import DomainError
from core.forms import ConfirmForm, InviteUserForm, LoginForm, SetPasswordForm, UserRolesForm
from core.system import check_system

bp = Blueprint("core", __name__)


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _safe_next(target: str | None) -> str:
    """Only follow same-site relative redirects after sign-in."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("core.index")


@bp.get("/")
@require_login
def index():
    """Show the signed-in user's home page."""
    return render_template("core/index.html")


@bp.get("/healthz")
@public
def health():
    """Report that the app and its database answer."""
    get_session().execute(select(1))
    return jsonify(status="ok")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with email and password."""
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        policy = auth.LoginPolicy(
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            window=timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"]),
        )
        try:
            user = auth.authenticate(
                session,
                form.email.data,
                form.password.data,
                remote_addr=request.remote_addr,
                policy=policy,
            )
        except auth.LoginThrottled as throttled:
            session.commit()
            return render_template("core/login.html", form=form, error=throttled.message), 429
        session.commit()
        if user is None:
            return render_template("core/login.html", form=form, error="Wrong email or password."), 401
        login_user(user, remember=form.remember.data)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("core/login.html", form=form, error=None)


@bp.post("/logout")
@require_login
def logout():
    """Sign out."""
    ConfirmForm().validate_on_submit() or abort(400)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("core.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept_invite(token: str):
    """Set a password from an invitation link."""
    form = SetPasswordForm()
    if form.validate_on_submit():
        session = get_session()
        auth.accept_invite(
            session,
            token,
            form.password.data,
            secret_key=current_app.secret_key,
            max_age=current_app.config["INVITE_MAX_AGE_SECONDS"],
        )
        session.commit()
        flash("Your password is set. Sign in to continue.", "success")
        return redirect(url_for("core.login"))
    return render_template("core/accept_invite.html", form=form)


@bp.get("/admin/users")
@require_role(Role.ADMIN)
def users():
    """List users with their roles and status."""
    page = auth.list_users(get_session(), page=_page(), per_page=current_app.config["PER_PAGE"])
    return render_template("core/users.html", page=page, confirm_form=ConfirmForm())


@bp.route("/admin/users/invite", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def invite_user():
    """Invite a user: create the account and show a one-time link to set a password."""
    form = InviteUserForm()
    if form.validate_on_submit():
        session = get_session()
        user = auth.create_user(
            session,
            email=form.email.data,
            name=form.name.data,
            roles=[Role(value) for value in form.roles.data],
            actor_id=current_user.id,
        )
        session.commit()
        link = url_for(
            "core.accept_invite",
            token=auth.make_invite_token(user, current_app.secret_key),
            _external=True,
        )
        return render_template("core/invited.html", user=user, link=link)
    return render_template("core/invite_user.html", form=form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit_user(user_id: int):
    """Change a user's roles."""
    session = get_session()
    user = auth.get_user(session, user_id)
    form = UserRolesForm()
    if request.method == "GET":
        form.roles.data = [role.value for role in user.roles]
    elif form.validate_on_submit():
        auth.set_user_roles(
            session, user, [Role(value) for value in form.roles.data], actor_id=current_user.id
        )
        session.commit()
        flash(f"Roles of {user.name} saved.", "success")
        return redirect(url_for("core.users"))
    return render_template("core/edit_user.html", user=user, form=form, confirm_form=ConfirmForm())


@bp.post("/admin/users/<int:user_id>/active")
@require_role(Role.ADMIN)
def set_user_active(user_id: int):
    """Disable or re-enable a user (the page asks for confirmation first)."""
    ConfirmForm().validate_on_submit() or abort(400)
    session = get_session()
    user = auth.get_user(session, user_id)
    auth.set_user_active(session, user, request.form.get("active") == "1", actor_id=current_user.id)
    session.commit()
    flash(f"{user.name} is now {'active' if user.active else 'disabled'}.", "success")
    return redirect(url_for("core.users"))


@bp.get("/admin/audit")
@require_role(Role.ADMIN)
def audit_log():
    """Browse the audit trail, newest first."""
    session = get_session()
    action = request.args.get("action") or None
    page = list_audit_events(
        session,
        page=_page(),
        per_page=50,
        action=action,
        actor_id=request.args.get("actor", type=int),
    )
    return render_template(
        "core/audit.html", page=page, actions=list_audit_actions(session), action=action
    )


@bp.get("/admin/jobs")
@require_role(Role.ADMIN)
def jobs_admin():
    """Show queues, workers and recent job runs."""
    app = current_app._get_current_object()
    try:
        connection = jobs.get_redis(app)
        workers = Worker.all(connection=connection)
        queue_sizes = {name: jobs.Queue(name, connection=connection).count for name in jobs.QUEUE_NAMES}
        redis_error = None
    except (jobs.redis.RedisError, RuntimeError) as error:
        workers, queue_sizes, redis_error = [], {}, str(error)
    page = jobs.list_job_runs(get_session(), page=_page(), per_page=current_app.config["PER_PAGE"])
    return render_template(
        "core/jobs.html",
        page=page,
        workers=workers,
        queue_sizes=queue_sizes,
        redis_error=redis_error,
        redis_url=app.extensions["jobs"]["url"],
        form=ConfirmForm(),
    )


@bp.post("/admin/jobs/system-check")
@require_role(Role.ADMIN)
def run_system_check():
    """Queue a system check (database, queue, embedding model) and follow its progress."""
    ConfirmForm().validate_on_submit() or abort(400)
    session = get_session()
    run = jobs.enqueue_after_commit(session, check_system, created_by_id=current_user.id)
    session.commit()
    return redirect(url_for("core.job_run", run_id=run.id))


def _visible_run(run_id: int) -> jobs.JobRun:
    run = get_session().get(jobs.JobRun, run_id)
    if run is None:
        abort(404)
    if run.created_by_id != current_user.id and Role.ADMIN not in current_user.roles:
        abort(403)
    return run


@bp.get("/jobs/<int:run_id>")
@require_login
def job_run(run_id: int):
    """Show a background job's progress bar (updated by polling its status)."""
    return render_template("core/job_run.html", run=_visible_run(run_id), form=ConfirmForm())


@bp.get("/jobs/<int:run_id>/status.json")
@require_login
def job_status(run_id: int):
    """Return a job's status and progress as JSON for the progress bar."""
    session = get_session()
    run = jobs.reconcile_run(session, _visible_run(run_id))
    session.commit()
    return jsonify(run.as_status(jobs.live_progress(run)))


@bp.post("/jobs/<int:run_id>/retry")
@require_login
def retry_job(run_id: int):
    """Queue a failed job again with the same arguments."""
    ConfirmForm().validate_on_submit() or abort(400)
    session = get_session()
    try:
        run = jobs.retry_job_run(session, _visible_run(run_id), created_by_id=current_user.id)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("core.job_run", run_id=run_id))
    session.commit()
    return redirect(url_for("core.job_run", run_id=run.id))
