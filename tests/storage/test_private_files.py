"""docs/security.md S31: what Besluitwerk keeps on disk is for its own account only — the data
directory, the SQLite database with its -wal and -shm files, the key files and stored files —
whatever the umask, and files made before this rule are tightened."""

import os
import stat
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from storage.database import make_engine
from storage.files import LocalFileStore
from webapp.app import create_app
from webapp.cli import cli
from webapp.config import load_settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@contextmanager
def _umask(mask: int):
    """The usual umask of a server account, which leaves new files readable for everyone."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def test_s31_the_data_directory_database_keys_and_stored_files_are_owner_only(tmp_path):
    data_dir = tmp_path / "srv" / "besluitwerk"
    with _umask(0o022):
        settings = load_settings({"BESLUITWERK_DATA_DIR": str(data_dir)})
        app = create_app(settings)
        upgraded = app.test_cli_runner().invoke(cli, ["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        stored = app.extensions["besluitwerk.files"].put(b"getekende volmacht")
        engine = app.extensions["besluitwerk.engine"]
        with engine.connect() as connection:  # an open connection keeps -wal and -shm
            connection.execute(text("SELECT count(*) FROM users"))
            database = data_dir / "besluitwerk.sqlite3"
            assert (data_dir / "besluitwerk.sqlite3-wal").exists()
            for path in (
                database,
                data_dir / "besluitwerk.sqlite3-wal",
                data_dir / "besluitwerk.sqlite3-shm",
                data_dir / "secret_key",
                data_dir / "audit_key",
                data_dir / "files" / stored.key,
            ):
                assert _mode(path) == 0o600, path
        for folder in (
            data_dir,
            data_dir.parent,
            data_dir / "files",
            (data_dir / "files" / stored.key).parent,
        ):
            assert _mode(folder) == 0o700, folder
        engine.dispose()


def test_s31_files_from_before_the_rule_are_tightened(tmp_path):
    database = tmp_path / "oud.sqlite3"
    for path in (database, tmp_path / "oud.sqlite3-wal", tmp_path / "oud.sqlite3-shm"):
        path.touch()
        os.chmod(path, 0o644)
    engine = make_engine(f"sqlite:///{database}")
    assert {_mode(p) for p in tmp_path.iterdir()} == {0o600}
    engine.dispose()
    store_root = tmp_path / "files"
    store_root.mkdir(mode=0o755)
    with _umask(0o022):
        stored = LocalFileStore(store_root).put(b"x")
    assert _mode(store_root / stored.key) == 0o600
    assert _mode((store_root / stored.key).parent) == 0o700
