"""What a hostile or careless caller sends: any JSON value, and valid records with one thing broken.

``VALUES`` covers every JSON type with the values that broke the platform before (a lone surrogate,
NUL, control and bidi characters, 2**63, NaN, infinity, dates out of range, empty and huge strings,
lists and dicts where a string belongs). ``mutations(record)`` keeps a valid record and replaces,
drops or adds one field, or slips one bad character into one of its strings, so the rules behind
the schemas, and the storage behind the rules, are reached too.
"""

import os
from typing import Any
from unittest.mock import Mock

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from nameko.testing.services import worker_factory
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from services.reporting.use_cases import apply_event
from shared.exceptions import PlatformError
from shared.plumbing.metrics import service_metrics
from tests.support.identities import caller_context

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates and controls included
KNOWN_TROUBLE = st.sampled_from([
    "\ud800", "Lò\ud800Mai", "\x00", "a\x00b", "Lò\nThị", "\t", "a\u202eb", "\u200b", "\ufeff",
    "\U000f0000", " ", "", "x" * 300, "0" * 12, "0001-01-01", "9999-12-31", "2024-02-30",
    "2024-13-01", "-1", "NaN", "12", "105", "03388", "99999", "registry", "legacy", "2025",
])
ODD_NUMBERS = st.sampled_from([2**63, 2**64, -(2**63) - 1, -1, 0, float("nan"), float("inf"),
                               float("-inf"), 1e308, -0.0, True, False])
SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats() | st.text(ANY_CHARACTER, max_size=20) | KNOWN_TROUBLE | ODD_NUMBERS)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(ANY_CHARACTER, max_size=6), inner, max_size=3),
                      max_leaves=6)


def relay_double() -> Mock:
    """A relay that publishes nothing; rows are staged unclaimed, as the timer would find them."""
    return Mock(claim_until=Mock(return_value=None))


TROUBLE_CHARACTERS = st.sampled_from(["\ud800", "\udfff", "\x00", "\n", "\x7f", "\x1b", "\u202e",
                                      "\u200b", "\ufeff", "\U000f0000", "\u0378", "\u00a0"])


def _taint(record: dict[str, Any], key: str, char: str, at: int) -> dict[str, Any]:
    value = record[key]
    return {**record, key: value[:at] + char + value[at:]}


def mutations(record: dict[str, Any], texts: tuple[str, ...] = ()) -> st.SearchStrategy:
    """``record`` with one field replaced, dropped, added, or one bad character slipped into a
    string (the rest stays valid, so the bad character reaches storage if nothing stops it)."""
    keys = sorted(record)
    texts = sorted(k for k, v in record.items() if isinstance(v, str)) or keys[:1]
    tainted = st.tuples(st.sampled_from(texts), TROUBLE_CHARACTERS, st.integers(0, 12)).map(
        lambda t: _taint(record, *t) if isinstance(record.get(t[0]), str) else record)
    replaced = st.tuples(st.sampled_from(keys), VALUES).map(lambda kv: {**record, kv[0]: kv[1]})
    dropped = st.sampled_from(keys).map(lambda k: {key: v for key, v in record.items() if key != k})
    added = st.tuples(st.text(ANY_CHARACTER, min_size=1, max_size=8), VALUES).map(
        lambda kv: {**record, **{kv[0]: kv[1]}})
    return st.one_of(tainted, tainted, replaced, replaced, dropped, added, VALUES)


def tainted(records: st.SearchStrategy, fields: tuple[str, ...]) -> st.SearchStrategy:
    """``(record, field)``: a valid record with one bad character slipped into ``field``."""
    return st.tuples(records, st.sampled_from(fields), TROUBLE_CHARACTERS, st.integers(0, 12)).map(
        lambda t: (_taint(t[0], t[1], t[2], t[3]), t[1]))


def arguments(*plausible: st.SearchStrategy) -> st.SearchStrategy:
    """One positional argument per strategy, each sometimes swapped for any hostile value."""
    return st.tuples(*(st.one_of(p, VALUES) for p in plausible))


class Sessions:
    """A fresh session per call, as the Database provider gives each worker."""

    def __init__(self, url: str, base) -> None:
        self.engine = create_engine(url)
        base.metadata.create_all(self.engine)

    def count(self, *models) -> tuple[int, ...]:
        with Session(self.engine) as session:
            return tuple(session.scalar(select(func.count()).select_from(m)) for m in models)

    def run(self, service_cls, method: str, *args, **dependencies):
        with Session(self.engine, expire_on_commit=False) as session:
            worker = worker_factory(service_cls, db=session, **{"caller": caller_context(), **dependencies})
            return getattr(worker, method)(*args)


def attempt(sessions: Sessions, models: tuple, service_cls, method: str, *args, **deps) -> object:
    """Call; a typed error must leave every table as it was. Returns the answer or the error."""
    before = sessions.count(*models)
    try:
        return sessions.run(service_cls, method, *args, **deps)
    except PlatformError as error:
        assert sessions.count(*models) == before
        return error


def write_and_read(sector: Sessions, models: tuple, outbox, service_cls, reporting: Sessions, method: str,
                   *args, **dependencies) -> object:
    """A sector write: rejected (nothing in ``models`` changes) or accepted, and then the event it
    staged in ``outbox`` must be storable by reporting (``apply_event`` must not raise)."""
    before = sector.count(*models)
    answer = attempt(sector, models, service_cls, method, *args, relay=relay_double(), **dependencies)
    if isinstance(answer, PlatformError) or sector.count(*models) == before:
        return answer
    with Session(sector.engine) as session:
        envelope = session.scalars(select(outbox.envelope).order_by(outbox.position.desc()).limit(1)).one()
    with Session(reporting.engine) as session:
        apply_event(session, envelope, service_metrics("reporting"))
    return answer
