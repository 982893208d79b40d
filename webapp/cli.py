"""The ``besluitwerk`` command: a Flask CLI group (run, routes, shell come with Flask)."""

from __future__ import annotations

import getpass
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup

from storage import backup, migrate
from webapp import clock
from webapp.app import create_app
from webapp.config import ConfigurationError, load_settings
from webapp.database import sessions
from webapp.mail import mailer_for
from workflows import accounts, audit_log, demo, organisations, reminders
from workflows.actors import system_actor
from workflows.errors import InvalidInput, WorkflowError
from workflows.rules.reminders import AMSTERDAM
from workflows.rules.roles import ROLE_LABELS, Role


def _create_app() -> Flask:
    return create_app()


cli = FlaskGroup(name="besluitwerk", create_app=_create_app, add_version_option=False)
db_group = AppGroup("db", help="Databasebeheer.")
cli.add_command(db_group)


def _fail(error: WorkflowError) -> None:
    if isinstance(error, InvalidInput):
        for message in error.errors.values():
            click.echo(f"Fout: {message}", err=True)
    else:
        click.echo(f"Fout: {error.message}", err=True)
    raise SystemExit(1)


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Breng de database naar het nieuwste schema (Alembic)."""
    engine = current_app.extensions["besluitwerk.engine"]
    settings = current_app.config["BESLUITWERK_SETTINGS"]
    if engine.url.get_backend_name() == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(engine)
    click.echo(f"Database bijgewerkt tot versie {migrate.current_revision(engine)}.")


@cli.command("seed-demo")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="Adres van de app.")
def seed_demo(url: str) -> None:
    """Laad de Twente-demo (pilot logeerzorg) en de demo-accounts; bestaande gegevens blijven."""
    with sessions()() as session:
        try:
            created = demo.seed_demo(session, system_actor("cli seed-demo"), today=clock.today())
        except WorkflowError as error:
            _fail(error)
            return
        session.commit()
    click.echo("Demo-accounts (e-mailadres, rol, organisatie, beginwachtwoord):")
    for account in created:
        click.echo(
            f"  {account.email}  {account.role_label}  {account.organisation}  {account.password}"
        )
    click.echo(
        "Aanbieders en de beheerder stellen bij de eerste keer inloggen een tweede factor in "
        "(een authenticator-app, of: oathtool --totp -b <sleutel>)."
    )
    click.echo(f"Inloggen op {url.rstrip('/')}/login")


@cli.command("create-user")
@click.option("--email", required=True, help="E-mailadres (inlognaam).")
@click.option("--name", required=True, help="Volledige naam.")
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Rol: " + ", ".join(f"{r.value} ({ROLE_LABELS[r]})" for r in Role),
)
@click.option("--organisation", required=True, help="Naam van de organisatie.")
@click.option("--password", help="Beginwachtwoord; zonder deze optie wordt erom gevraagd.")
def create_user(email: str, name: str, role: str, organisation: str, password: str | None) -> None:
    """Maak een account aan."""
    if password is None:
        password = getpass.getpass("Wachtwoord: ")
    with sessions()() as session:
        found = organisations.find_by_name(session, organisation)
        if found is None:
            click.echo(f"Fout: er is geen organisatie met de naam '{organisation}'.", err=True)
            raise SystemExit(1)
        try:
            user = accounts.create_user(
                session,
                system_actor("cli create-user"),
                email=email,
                name=name,
                role=role,
                organisation_id=found.id,
                password=password,
            )
        except WorkflowError as error:
            _fail(error)
            return
        session.commit()
        click.echo(f"Account aangemaakt: {user.email} ({ROLE_LABELS[Role(user.role)]}).")


@cli.command("create-api-token")
@click.option("--user", "email", required=True, help="E-mailadres van het account.")
@click.option("--label", default="", help="Waarvoor het token is.")
def create_api_token(email: str, label: str) -> None:
    """Maak een API-token; het token staat op de laatste regel en wordt niet bewaard."""
    with sessions()() as session:
        try:
            token = accounts.create_api_token(
                session, system_actor("cli create-api-token"), email=email, label=label
            )
        except WorkflowError as error:
            _fail(error)
            return
        session.commit()
    click.echo("API-token (bewaar het nu; het is later niet meer op te vragen):")
    click.echo(token)


@cli.command("tick")
@click.option(
    "--now",
    "moment",
    default=None,
    help="Tijdstip (ISO, bijvoorbeeld 2026-03-02T08:05:00+01:00); standaard nu.",
)
def tick(moment: str | None) -> None:
    """Eén ronde: termijnen bijwerken, herinneringen klaarzetten en versturen."""
    now = _parse_moment(moment)
    settings = current_app.config["BESLUITWERK_SETTINGS"]
    result = reminders.tick(sessions(), now=now, mailer=mailer_for(settings))
    click.echo(" ".join(f"{key}={value}" for key, value in result.items()))


@cli.command("run-scheduler")
@click.option("--interval", default=60, show_default=True, help="Seconden tussen twee rondes.")
def run_scheduler(interval: int) -> None:
    """De herinneringsdienst: elke minuut een ronde (APScheduler als metronoom)."""
    from webapp.scheduler import run

    run(current_app._get_current_object(), interval=interval)  # type: ignore[attr-defined]


@cli.command("serve", with_appcontext=False)
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="Adres en poort.")
@click.option("--workers", default=4, show_default=True, help="Aantal gunicorn-workers.")
@click.option("--scheduler/--no-scheduler", default=True, help="De herinneringsdienst starten.")
@click.option("--dry-run", is_flag=True, help="Alleen controleren en tonen wat zou starten.")
def serve(bind: str, workers: int, scheduler: bool, dry_run: bool) -> None:
    """Productie: gunicorn met meerdere workers, plus de herinneringsdienst als eigen proces."""
    try:
        settings = load_settings(production=True)
    except ConfigurationError as error:
        click.echo(f"Fout: {error}", err=True)
        raise SystemExit(1) from None
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        bind,
        "--access-logfile",
        "-",
    ]
    if settings.log_format == "json":
        command += ["--logger-class", "webapp.serve_logging.JsonLinesLogger"]
    command.append("webapp.wsgi:app")
    if dry_run:
        click.echo(" ".join(command[2:]))
        return
    helper = None
    if scheduler:
        helper = subprocess.Popen([sys.argv[0], "run-scheduler"])  # noqa: S603 - our own command
    try:
        raise SystemExit(subprocess.call(command))  # noqa: S603 - a fixed argument list
    finally:
        if helper is not None:
            helper.terminate()


@cli.command("backup")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Online back-up van database en bestanden naar een nieuwe map, met een manifest."""
    engine = current_app.extensions["besluitwerk.engine"]
    settings = current_app.config["BESLUITWERK_SETTINGS"]
    try:
        manifest = backup.backup(engine, settings.data_dir / "files", target, now=clock.now())
    except backup.BackupError as error:
        click.echo(f"Fout: {error}", err=True)
        raise SystemExit(1) from None
    rows = sum(manifest["row_counts"].values())
    click.echo(
        f"Back-up gemaakt in {target}: {rows} rijen in {len(manifest['row_counts'])} tabellen, "
        f"{len(manifest['files'])} bestanden."
    )


@cli.command("restore-check")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore_check_command(source: Path) -> None:
    """Herstel een back-up op een tijdelijke plek en controleer hem tegen zijn manifest."""
    engine = current_app.extensions["besluitwerk.engine"]
    try:
        check = backup.restore_check(
            source, admin=engine if engine.dialect.name == "postgresql" else None
        )
    except backup.BackupError as error:
        click.echo(f"Fout: {error}", err=True)
        raise SystemExit(1) from None
    if not check.ok:
        for problem in check.problems:
            click.echo(f"Probleem: {problem}", err=True)
        raise SystemExit(1)
    click.echo(
        f"In orde: {check.rows} rijen in {check.tables} tabellen, {check.files} bestanden, "
        f"auditketen van {check.audit_events} gebeurtenissen intact."
    )


@cli.command("verify-audit")
def verify_audit() -> None:
    """Controleer de hashketen van het auditlogboek; noemt de eerste gewijzigde gebeurtenis."""
    with sessions()() as session:
        check = audit_log.verify(session)
    if check.broken_id is not None:
        click.echo(
            f"Gebroken: gebeurtenis #{check.broken_id} is gewijzigd of er ontbreekt een "
            f"gebeurtenis ervoor ({check.checked} gecontroleerd).",
            err=True,
        )
        raise SystemExit(1)
    note = f"; {check.unchained} van vóór de hashketen" if check.unchained else ""
    click.echo(f"Intact: {check.checked} gebeurtenissen in een ongebroken keten{note}.")


def _parse_moment(raw: str | None) -> datetime:
    if not raw:
        return clock.now()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        click.echo(
            f"Fout: '{raw}' is geen tijdstip; schrijf bijvoorbeeld 2026-03-02T08:05:00+01:00.",
            err=True,
        )
        raise SystemExit(1) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return moment.astimezone(UTC)


def main() -> None:
    cli.main(prog_name="besluitwerk")
