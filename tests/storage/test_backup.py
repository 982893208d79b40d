"""docs/security.md S31: an online backup of database and file store, and a restore check that
names what does not match (integrity, row counts, the audit chain, file hashes)."""

import json
import os
import stat

from storage import audit
from tests.conftest import make_settings
from webapp.app import create_app
from webapp.cli import cli
from webapp.database import sessions


def _app(database_url, tmp_path):
    app = create_app(make_settings(database_url, tmp_path / "data"))
    store = app.extensions["besluitwerk.files"]
    store.put(b"ondertekende overeenkomst")
    store.put(b"volmacht Enschede")
    return app


def test_s31_backup_then_restore_check_is_in_order(database_url, tmp_path):
    app = _app(database_url, tmp_path)
    runner = app.test_cli_runner()
    made = runner.invoke(cli, ["backup", str(tmp_path / "backup")])
    assert made.exit_code == 0, made.output
    assert "2 bestanden" in made.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["row_counts"]["organisations"] == 22
    checked = runner.invoke(cli, ["restore-check", str(tmp_path / "backup")])
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("In orde:") and "2 bestanden" in checked.output
    app.extensions["besluitwerk.engine"].dispose()


def test_s31_a_changed_file_or_count_is_named(database_url, tmp_path):
    app = _app(database_url, tmp_path)
    runner = app.test_cli_runner()
    runner.invoke(cli, ["backup", str(tmp_path / "backup")])
    stored = sorted((tmp_path / "backup" / "files").rglob("*"))
    victim = next(p for p in stored if p.is_file())
    victim.write_bytes(b"iets anders")
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["row_counts"]["users"] += 1
    manifest_path.write_text(json.dumps(manifest))
    checked = runner.invoke(cli, ["restore-check", str(tmp_path / "backup")])
    assert checked.exit_code == 1
    assert "Bestand gewijzigd:" in checked.output
    assert "Tabel users:" in checked.output
    app.extensions["besluitwerk.engine"].dispose()


def test_s31_backup_refuses_a_folder_that_is_not_empty(database_url, tmp_path):
    app = _app(database_url, tmp_path)
    (tmp_path / "vol").mkdir()
    (tmp_path / "vol" / "iets.txt").write_text("x")
    result = app.test_cli_runner().invoke(cli, ["backup", str(tmp_path / "vol")])
    assert result.exit_code == 1 and "is niet leeg" in result.output
    app.extensions["besluitwerk.engine"].dispose()


def test_s31_a_backup_is_owner_only(database_url, tmp_path):
    app = _app(database_url, tmp_path)
    previous = os.umask(0o022)
    try:
        made = app.test_cli_runner().invoke(cli, ["backup", str(tmp_path / "back-ups" / "maandag")])
    finally:
        os.umask(previous)
    assert made.exit_code == 0, made.output
    target = tmp_path / "back-ups" / "maandag"
    paths = [target, *target.rglob("*")]
    assert any(p.name in ("database.sqlite3", "database.dump") for p in paths)
    for path in paths:
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
    app.extensions["besluitwerk.engine"].dispose()


def test_s25_the_manifest_records_the_audit_head_and_restore_check_compares_it(
    database_url, tmp_path
):
    app = _app(database_url, tmp_path)
    runner = app.test_cli_runner()
    made = runner.invoke(cli, ["backup", str(tmp_path / "backup")])
    with sessions(app)() as session:
        head = audit.head(session)
    assert head is not None and f"Kop van de auditketen: {head}" in made.output
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["audit_head"] == {"id": head.id, "hash": head.hash}
    manifest["audit_head"]["id"] = head.id + 5  # a head the backup does not hold
    manifest_path.write_text(json.dumps(manifest))
    checked = runner.invoke(cli, ["restore-check", str(tmp_path / "backup")])
    assert checked.exit_code == 1
    assert f"Auditlog: gebeurtenis #{head.id + 5} (de bekende kop van de keten) ontbreekt" in (
        checked.output
    )
    app.extensions["besluitwerk.engine"].dispose()


def test_s25_a_backup_checked_with_another_key_shows_the_broken_chain(database_url, tmp_path):
    app = _app(database_url, tmp_path)
    assert app.test_cli_runner().invoke(cli, ["backup", str(tmp_path / "backup")]).exit_code == 0
    other = create_app(
        make_settings(database_url, tmp_path / "other", audit_key="een-andere-sleutel-" + "q" * 40)
    )
    checked = other.test_cli_runner().invoke(cli, ["restore-check", str(tmp_path / "backup")])
    assert checked.exit_code == 1
    assert "toegevoegd zonder de sleutel van het auditlogboek" in checked.output
    app.extensions["besluitwerk.engine"].dispose()
    other.extensions["besluitwerk.engine"].dispose()
