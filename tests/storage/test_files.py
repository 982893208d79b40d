import hashlib
from pathlib import Path

import pytest

import webapp
from storage.files import LocalFileStore, UnknownFile


def test_s10_files_are_stored_under_server_generated_names(tmp_path):
    store = LocalFileStore(tmp_path)
    first = store.put(b"inhoud")
    second = store.put(b"inhoud")
    assert first.key != second.key
    assert first.sha256 == hashlib.sha256(b"inhoud").hexdigest() and first.size == 6
    assert store.read(first.key) == b"inhoud"
    stored = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(stored) == 2 and not any(p.suffix for p in stored)


@pytest.mark.parametrize(
    "key", ["../../etc/passwd", "/etc/passwd", "ab/../../x", "AB/" + "0" * 32, ""]
)
def test_s10_keys_that_are_not_ours_are_refused(tmp_path, key):
    store = LocalFileStore(tmp_path)
    with pytest.raises(UnknownFile):
        store.read(key)


def test_s10_the_default_store_is_outside_the_static_folder():
    from webapp.config import load_settings

    settings = load_settings(
        {"SECRET_KEY": "s" * 48, "AUDIT_KEY": "Zr4-Ue8qW2nB6xLk9TsV1hPd5mYc3GfJ7oAi0NwE"}
    )  # no key file
    static = Path(webapp.__file__).parent / "static"
    assert static.resolve() not in settings.data_dir.resolve().parents
    assert settings.data_dir.resolve() != static.resolve()


def test_deleting_leaves_nothing_and_reading_then_says_unknown(tmp_path):
    store = LocalFileStore(tmp_path)
    stored = store.put(b"x")
    store.delete(stored.key)
    with pytest.raises(UnknownFile):
        store.read(stored.key)
