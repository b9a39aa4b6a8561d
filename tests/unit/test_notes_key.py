"""Protection's notes key can be rotated: old notes still read, new ones use the new key, and one
command rewrites the stored notes with it (``tools.notes_key``), on the embedded SQLite."""

import os
import stat
import subprocess
import sys
from datetime import date

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from services.protection.notes import add_key_to_file, keys_from_file, notes_cipher
from services.protection.orm import CaseNote, ProtectionBase
from tests.support.processes import ROOT


def test_after_a_new_key_old_notes_still_read_and_new_notes_use_the_new_key(tmp_path):
    key_file = tmp_path / "notes.key"
    [old] = keys_from_file(key_file)
    written_before = notes_cipher([old]).encrypt("Bà ngoại chăm sóc".encode())
    keys = add_key_to_file(key_file)
    cipher = notes_cipher(keys_from_file(key_file))
    written_after = cipher.encrypt("Thăm nhà lần hai".encode())
    assert (keys[1:], cipher.decrypt(written_before)) == ([old], "Bà ngoại chăm sóc".encode())
    assert Fernet(keys[0]).decrypt(written_after) == "Thăm nhà lần hai".encode()
    with pytest.raises(InvalidToken):
        Fernet(old).decrypt(written_after)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def run_notes_key(action: str, env: dict) -> str:
    result = subprocess.run([sys.executable, "-m", "tools.notes_key", action], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (0, "")
    return result.stdout


def test_new_then_reencrypt_leaves_every_note_readable_by_the_newest_key_alone(tmp_path):
    key_file, db = tmp_path / "notes.key", tmp_path / "protection.db"
    [old] = keys_from_file(key_file)
    engine = create_engine(f"sqlite:///{db}")
    ProtectionBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(CaseNote(record_id="note-1", case_id="case-1", written_on=date(2026, 5, 1),
                             ciphertext=Fernet(old).encrypt("Trẻ ở với ông bà".encode())))
        session.commit()
    env = {**os.environ, "PROTECTION_NOTES_KEY_FILE": str(key_file), "PROTECTION_DB_URL": f"sqlite:///{db}"}
    env.pop("PROTECTION_NOTES_KEY", None)
    said = [run_notes_key("new", env), run_notes_key("reencrypt", env)]
    newest = keys_from_file(key_file)[0]
    with Session(engine) as session:
        stored = session.scalars(select(CaseNote.ciphertext)).one()
    engine.dispose()
    assert said == [f"A new key is first in {key_file} (2 keys). Restart protection (new notes use it), "
                    "then run reencrypt.\n",
                    "1 notes re-encrypted with the newest key of 2; the keys after the first can now be "
                    "removed.\n"]
    assert Fernet(newest).decrypt(stored) == "Trẻ ở với ông bà".encode()


def test_with_keys_in_the_environment_new_prints_the_value_to_set_newest_first(tmp_path):
    old = Fernet.generate_key().decode()
    env = {**os.environ, "PROTECTION_NOTES_KEY": old}
    said = run_notes_key("new", env)
    first, value = said.splitlines()
    keys = value.split(",")
    assert first == ("Set PROTECTION_NOTES_KEY (the Secret ecd-secrets/protection-notes-key) to this value, "
                     "restart protection, then run reencrypt:")
    assert (len(keys), keys[1], keys[0] != old) == (2, old, True)
    Fernet(keys[0].encode())  # a well-formed Fernet key, or this raises
