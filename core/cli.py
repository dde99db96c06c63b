"""Commands: `flask db ...` (Alembic migrations), `flask demo`, `flask jobs ...`."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from core.db import Base, get_database

MIGRATIONS_FOLDER = Path(__file__).resolve().parent.parent / "migrations"

db_group = AppGroup("db", help="Apply and write database migrations (Alembic).")
jobs_group = AppGroup("jobs", help="Inspect the job queue.")


def alembic_config(connection=None) -> AlembicConfig:
    """An Alembic config that runs on the app's database (or on ``connection``)."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_FOLDER))
    config.attributes["target_metadata"] = Base.metadata
    config.attributes["url"] = get_database().url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_database(revision: str = "head") -> None:
    alembic_command.upgrade(alembic_config(), revision)


def database_is_current() -> bool:
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with get_database().engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    upgrade_database(revision)
    click.echo(f"Database upgraded to {revision}.")


@db_group.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (default: one step)."""
    alembic_command.downgrade(alembic_config(), revision)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration from the difference between models and database."""
    alembic_command.revision(alembic_config(), message=message, autogenerate=autogenerate)


@db_group.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    alembic_command.current(alembic_config(), verbose=True)


@db_group.command("check")
def db_check() -> None:
    """Fail if the models differ from what the migrations create."""
    alembic_command.check(alembic_config())


@jobs_group.command("stop-embedded-redis")
def stop_embedded_redis_command() -> None:
    """Stop the embedded redis-server (used when LOOPWISE_REDIS_URL is unset)."""
    from core.jobs import stop_embedded_redis

    stopped = stop_embedded_redis(current_app.instance_path)
    click.echo(
        "Stopped the embedded redis-server." if stopped else "The embedded redis-server was not running."
    )


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Migrate if needed, then create the demo users and data (safe to run again)."""
    from core.demo import load_demo

    if not database_is_current():
        click.echo("Applying migrations ...")
        upgrade_database()
    for line in load_demo():
        click.echo(line)


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(jobs_group)
    app.cli.add_command(demo_command)
