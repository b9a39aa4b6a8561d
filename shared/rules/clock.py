"""One place for the current time and new identifiers, so tests can pin them; and the day it is in
Vietnam (UTC+7), where the officers are: a page's default date is theirs, not the server's UTC one
(between 00:00 and 07:00 in Hà Nội, UTC is still yesterday)."""

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")


def utc_now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return utc_now().date()


def vietnam_today() -> date:
    return utc_now().astimezone(VIETNAM_TIME).date()


def new_id() -> str:
    return uuid.uuid4().hex
