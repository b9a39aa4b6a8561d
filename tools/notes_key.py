"""Rotate the key protection's case notes are encrypted with (``make notes-key ACTION=new|reencrypt``).

``new`` puts a new key first: in the key file of ``make run`` (``PROTECTION_NOTES_KEY_FILE``), or,
when the keys come from ``PROTECTION_NOTES_KEY`` (a Kubernetes Secret), it prints the value to set
there instead (the new key, then those already set). Restart protection: new notes are written with
the new key and every note still reads. ``reencrypt`` then rewrites every stored note with the newest
key (``PROTECTION_DB_URL``), after which the older keys can be removed. Both read protection's own
configuration (``services/protection/config.yml`` with the environment) and change no record or
event: only the ciphertext of notes.
"""

import argparse
import sys
import warnings
from pathlib import Path

import yaml

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet's deprecation notice, printed when nameko is imported
    from nameko.cli.main import setup_yaml_parser
    from sqlalchemy.orm import Session

    from services.protection.notes import (
        DEFAULT_KEY_FILE,
        NOTES_KEY_FILE_KEY,
        NOTES_KEY_KEY,
        add_key_to_file,
        configured_keys,
        notes_cipher,
        parse_keys,
        reencrypt_notes,
    )
    from shared.plumbing.config_keys import DB_URL_KEY
    from shared.plumbing.db import make_engine

CONFIG = Path(__file__).resolve().parents[1] / "services" / "protection" / "config.yml"


def protection_config() -> dict:
    setup_yaml_parser()
    return yaml.safe_load(CONFIG.read_text("utf-8"))


def new_key(config: dict) -> str:
    from cryptography.fernet import Fernet

    listed = config.get(NOTES_KEY_KEY)
    if listed:
        keys = [Fernet.generate_key(), *parse_keys(listed)]
        return ("Set PROTECTION_NOTES_KEY (the Secret ecd-secrets/protection-notes-key) to this value, "
                "restart protection, then run reencrypt:\n" + ",".join(k.decode("ascii") for k in keys))
    path = Path(config.get(NOTES_KEY_FILE_KEY) or DEFAULT_KEY_FILE)
    keys = add_key_to_file(path)
    return (f"A new key is first in {path} ({len(keys)} keys). Restart protection (new notes use it), "
            "then run reencrypt.")


def reencrypt(config: dict) -> str:
    keys = configured_keys(config)
    engine = make_engine(config[DB_URL_KEY])
    with Session(engine) as session:
        count = reencrypt_notes(session, notes_cipher(keys))
    engine.dispose()
    older = "the keys after the first can now be removed" if len(keys) > 1 else "there is one key"
    return f"{count} notes re-encrypted with the newest key of {len(keys)}; {older}."


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.notes_key", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("new", "reencrypt"))
    action = parser.parse_args(argv).action
    print((new_key if action == "new" else reencrypt)(protection_config()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
