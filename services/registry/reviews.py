"""The review queue as officers see it: a commune's open reviews (both sides and the levels), a
rejection (the two are two children; the review closes), ``find_matches`` on demand, and the
queue's figures. A rejection publishes no event: a review is the registry's working state, and
the two children stay apart exactly as every consumer already holds them, so no one has a fact to
fold; the review row keeps who decided, when, under which ``record_id`` (a retry answers the same).
"""

from datetime import date, datetime
from typing import Any

from services.registry import matcher, schemas
from services.registry.metrics import measure_reviews
from services.registry.repository import OPEN, RegistryRepository
from shared.contracts.fields import load
from shared.contracts.identity import is_personal_id
from shared.exceptions import Conflict, NotFound
from shared.kit.access import require_area, require_written_area
from shared.plumbing.db import ending_open_transaction, lock_keys
from shared.rules.admin_units import CURRENT, admin_units
from shared.rules.clock import today, utc_now

REJECTED = "rejected"


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def describe(repo: RegistryRepository, child_id: str) -> dict[str, Any]:
    """One side of a pair as the officer compares it: a registered birth or a provisional child."""
    if is_personal_id(child_id):
        birth = repo.birth_payload(child_id) or {}
        keys = ("full_name", "sex", "date_of_birth", "mother_name", "mother_id", "commune_code",
                "registration_date")
        return {"child_id": child_id, "registered": True, **{k: _iso(birth.get(k)) for k in keys}}
    row = repo.provisional_child(child_id)
    keys = ("full_name", "sex", "date_of_birth", "date_of_birth_estimated", "mother_name", "mother_id",
            "commune_code", "source", "recorded_on")
    return {"child_id": child_id, "registered": False,
            **{k: _iso(getattr(row, k)) if row is not None else None for k in keys}}


def open_reviews(service: Any, commune_code: str) -> list[dict[str, Any]]:
    code = load(schemas.CommuneQuerySchema, {"commune_code": commune_code})["commune_code"]
    on = today()
    require_area(service.caller.identity, code, on, f"Commune {code}")
    repo = service.repository()
    with ending_open_transaction(repo.session):
        column = "ward" if admin_units().map_on(on) == CURRENT else "commune_code"
        return [{"review_id": review.review_id, "provisional": describe(repo, review.provisional_id),
                 "candidate": describe(repo, review.child_id), "score": review.score,
                 "levels": review.levels, "commune_code": review.commune_code,
                 "opened_at": _iso(review.opened_at)} for review in repo.open_reviews(column, code)]


def reject_match(service: Any, record: dict) -> dict[str, Any]:
    cmd = load(schemas.RejectMatchSchema, record)
    repo = service.repository()
    who = service.caller.identity
    with ending_open_transaction(repo.session):
        lock_keys(repo.session, [f"registry:{cmd['provisional_id']}", f"registry:{cmd['child_id']}"])
        review = repo.review(cmd["provisional_id"], cmd["child_id"])
        if review is None:
            raise NotFound(f"provisional_id: no review of {cmd['provisional_id']} with {cmd['child_id']}.")
        require_written_area(who, review.commune_code)
        answer = {"record_id": cmd["record_id"], "review_id": review.review_id, "status": REJECTED}
        if review.status == REJECTED and review.closed_record_id == cmd["record_id"]:
            return answer  # a retry
        if review.status != OPEN:
            raise Conflict(f"provisional_id: the review of {cmd['provisional_id']} with {cmd['child_id']} "
                           f"is {review.status} already.")
        repo.close_review(review, REJECTED, who.user_id, cmd["record_id"])
        repo.session.commit()
    return answer


def find_matches(service: Any, child_id: str) -> list[dict[str, Any]]:
    query = load(schemas.MatchQuerySchema, {"child_id": child_id})
    repo = service.repository()
    with ending_open_transaction(repo.session):
        sought, results, _ = matcher.scored(repo, query["child_id"])
        require_written_area(service.caller.identity, sought.commune_code)
        return [{"candidate_id": r.id, "score": r.score, "decision": r.decision, "levels": r.levels}
                for r in results]


def measure(service: Any) -> None:
    repo = service.repository()
    with ending_open_transaction(repo.session):
        count, oldest = repo.open_review_summary()
    measure_reviews(count, oldest, utc_now())
