"""The ``besluitwerk`` command: a Flask CLI group (run, routes, shell come with Flask)."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup

from storage import backup, migrate
from storage.audit import Head as AuditHead
from storage.private_files import private_directory
from webapp import clock
from webapp.app import create_app
from webapp.config import ConfigurationError, load_settings
from webapp.database import keys, sessions
from webapp.formatting import dutch_datetime
from webapp.mail import deadline_links, mailer_for
from workflows.accounts import accounts
from workflows.actors import system_actor
from workflows.auditing import audit_log
from workflows.deadlines import reminders
from workflows.demo import demo
from workflows.errors import InvalidInput, WorkflowError
from workflows.registers import organisations
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
        private_directory(settings.data_dir)
    # The key lets migration 0014 seal the second-factor secrets kept in clear before it.
    migrate.upgrade(engine, keys=keys())
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
@click.option(
    "--scope",
    type=click.Choice(accounts.API_TOKEN_SCOPES),
    default="read",
    show_default=True,
    help="read: alleen lezen (GET); write: ook wijzigen (POST, PATCH, DELETE).",
)
@click.option(
    "--days",
    type=int,
    default=accounts.API_TOKEN_DAYS,
    show_default=True,
    help=f"Aantal dagen geldig (1 tot en met {accounts.MAX_API_TOKEN_DAYS}).",
)
def create_api_token(email: str, label: str, scope: str, days: int) -> None:
    """Maak een API-token; het token staat op de laatste regel en wordt niet bewaard."""
    now = clock.now()
    with sessions()() as session:
        try:
            token = accounts.create_api_token(
                session,
                system_actor("cli create-api-token"),
                email=email,
                label=label,
                scope=scope,
                days=days,
                now=now,
            )
        except WorkflowError as error:
            _fail(error)
            return
        session.commit()
    click.echo(
        f"Geldig tot {dutch_datetime(now + timedelta(days=days))}, "
        + ("alleen lezen." if scope == "read" else "lezen en wijzigen.")
    )
    click.echo("API-token (bewaar het nu; het is later niet meer op te vragen):")
    click.echo(token)


_TOKEN_STATES = {"valid": "geldig", "expired": "verlopen", "revoked": "ingetrokken"}
_SCOPES = {"read": "lezen", "write": "lezen en wijzigen"}


@cli.command("list-api-tokens")
@click.option("--user", "email", default=None, help="Alleen de tokens van dit account.")
def list_api_tokens(email: str | None) -> None:
    """Toon de API-tokens (nummer, account, omschrijving, bereik, data, status)."""
    now = clock.now()
    with sessions()() as session:
        try:
            rows = accounts.all_api_tokens(
                session, system_actor("cli list-api-tokens"), email=email
            )
        except WorkflowError as error:
            _fail(error)
            return
        if not rows:
            click.echo("Geen API-tokens.")
        for row in rows:
            used = dutch_datetime(row.last_used_at) if row.last_used_at else "nooit gebruikt"
            click.echo(
                f"#{row.id}  {row.user.email}  {row.label or '(geen omschrijving)'}  "
                f"{_SCOPES[row.scope]}  gemaakt {dutch_datetime(row.created_at)}  "
                f"laatst gebruikt {used}  verloopt {dutch_datetime(row.expires_at)}  "
                f"{_TOKEN_STATES[accounts.api_token_state(row, now=now)]}"
            )


@cli.command("revoke-api-token")
@click.argument("token_id", type=int, required=False)
@click.option("--user", "email", default=None, help="Trek alle tokens van dit account in.")
def revoke_api_token(token_id: int | None, email: str | None) -> None:
    """Trek een API-token in (op nummer, zie list-api-tokens), of alle tokens van een account."""
    if (token_id is None) == (email is None):
        click.echo("Fout: noem een tokennummer of --user E-MAILADRES, niet beide.", err=True)
        raise SystemExit(1)
    actor = system_actor("cli revoke-api-token")
    with sessions()() as session:
        try:
            if token_id is not None:
                row = accounts.revoke_api_token(session, actor, token_id, now=clock.now())
                done = f"API-token #{row.id} van {row.user.email} is ingetrokken."
            else:
                assert email is not None
                user = accounts.find_account(session, actor, email)
                count = accounts.revoke_api_tokens_of(
                    session, actor, user.id, now=clock.now(), reason="revoked"
                )
                done = f"{count} API-tokens van {user.email} zijn ingetrokken."
        except WorkflowError as error:
            _fail(error)
            return
        session.commit()
    click.echo(done)


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
    result = reminders.tick(
        sessions(),
        now=now,
        mailer=mailer_for(settings),
        link=deadline_links(current_app._get_current_object()),  # type: ignore[attr-defined]
    )
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
    head = manifest["audit_head"]
    if head is not None:
        # A record of the chain outside the database (S25): verify-audit --manifest compares.
        click.echo(f"Kop van de auditketen: {head['id']}:{head['hash']}")


@cli.command("restore-check")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore_check_command(source: Path) -> None:
    """Herstel een back-up op een tijdelijke plek en controleer hem tegen zijn manifest."""
    engine = current_app.extensions["besluitwerk.engine"]
    try:
        check = backup.restore_check(
            source, keys=keys(), admin=engine if engine.dialect.name == "postgresql" else None
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
@click.option(
    "--head",
    "heads",
    multiple=True,
    help="Een eerder vastgelegde kop van de keten, NUMMER:HASH (uit het logboek).",
)
@click.option(
    "--manifest",
    "manifests",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Een back-up (map of manifest.json): de kop die zij vastlegde moet er nog zijn.",
)
def verify_audit(heads: tuple[str, ...], manifests: tuple[Path, ...]) -> None:
    """Controleer de keten van het auditlogboek met de sleutel, en tegen eerder vastgelegde
    koppen; noemt de eerste gebroken gebeurtenis."""
    known: list[AuditHead] = []
    try:
        known += [audit_log.parse_head(text) for text in heads]
        for manifest in manifests:
            recorded = backup.recorded_head(manifest)
            if recorded is not None:
                known.append(recorded)
    except InvalidInput as error:
        _fail(error)
    except backup.BackupError as error:
        click.echo(f"Fout: {error}", err=True)
        raise SystemExit(1) from None
    with sessions()() as session:
        check = audit_log.verify(session, known_heads=known)
    if check.problem is not None:
        click.echo(
            f"Gebroken: {check.problem} ({check.checked} gebeurtenissen gecontroleerd).", err=True
        )
        raise SystemExit(1)
    notes = []
    if check.legacy:
        notes.append(f"{check.legacy} van vóór de sleutel, met SHA-256 gekoppeld")
    if check.unchained:
        notes.append(f"{check.unchained} van vóór de hashketen")
    if known:
        notes.append(f"{len(known)} bekende {'kop' if len(known) == 1 else 'koppen'} aanwezig")
    note = f" ({'; '.join(notes)})" if notes else ""
    click.echo(f"Intact: {check.checked} gebeurtenissen in een ongebroken keten{note}.")
    if check.head is not None:
        click.echo(f"Kop: {check.head}")


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
    # Whatever this process or its children (gunicorn, the scheduler) create is owner-only
    # (S31), also files that no code of ours names explicitly.
    os.umask(0o077)
    cli.main(prog_name="besluitwerk")
