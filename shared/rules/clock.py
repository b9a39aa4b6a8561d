"""One place for the current time and new identifiers, so tests can pin them."""

import uuid
from datetime import UTC, date, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return utc_now().date()


def new_id() -> str:
    return uuid.uuid4().hex
