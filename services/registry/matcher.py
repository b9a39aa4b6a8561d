"""When the registry looks for a child's other ids, and what it does with what ``match`` finds.

After a birth is registered it scores the provisional children born within the window in the same
ward (a legacy commune read as the 2025 ward it merged into), and after a provisional child arrives
it scores the registered births and the other provisional children the same way, with
``shared.rules.matching.match``. "link": the registry writes ``identity_linked`` itself (the sector
kit's write by rule, ``rule:auto-match``, with the score); "review": the pair joins the review queue
(once); "apart": nothing. A provisional child that was ever linked is never linked automatically
again (an officer unlinked it for a reason). Writes never wait on the broker inside a transaction.
"""

import logging
from dataclasses import dataclass
from typing import Any

from services.registry import links, schemas
from services.registry.metrics import linking_metrics
from services.registry.repository import RegistryRepository, ward_of
from shared.contracts.identity import is_personal_id, is_provisional
from shared.exceptions import NotFound, PlatformError
from shared.rules.admin_units import AdminUnits, admin_units
from shared.rules.matching import APART, Person, Scored, blocking_window_days, match

_log = logging.getLogger(__name__)
RULE = "auto-match"
BY_RULE = f"rule:{RULE}"
LINK, REVIEW = "link", "review"


@dataclass(frozen=True)
class Subject:
    person: Person
    ward: str | None
    commune_code: str
    provisional: bool


def person_of_provisional(row: Any) -> Person:
    return Person(id=row.provisional_id, full_name=row.full_name, sex=row.sex,
                  date_of_birth=row.date_of_birth, date_of_birth_estimated=row.date_of_birth_estimated,
                  mother_name=row.mother_name, mother_id=row.mother_id, commune_code=row.commune_code)


def person_of_birth(child_id: str, birth: dict[str, Any]) -> Person:
    return Person(id=child_id, full_name=birth["full_name"], sex=birth["sex"],
                  date_of_birth=birth["date_of_birth"], mother_name=birth.get("mother_name"),
                  mother_id=birth.get("mother_id"), commune_code=birth["commune_code"])


def subject(repo: RegistryRepository, child_id: str, units: AdminUnits) -> Subject:
    """The child to look for (a registered birth or a provisional child), or ``NotFound``."""
    if is_personal_id(child_id):
        birth = repo.birth_payload(child_id)
        if birth is None:
            raise NotFound(f"child_id: no registered child {child_id}.")
        return Subject(person_of_birth(child_id, birth), ward_of(birth["commune_code"], birth["map_version"],
                                                                   units), birth["commune_code"], False)
    row = repo.provisional_child(child_id)
    if row is None or row.voided:
        raise NotFound(f"child_id: no provisional child {child_id}.")
    return Subject(person_of_provisional(row), row.ward, row.commune_code, True)


def candidates(repo: RegistryRepository, sought: Subject, units: AdminUnits, automatic: bool) -> list[Person]:
    """Blocking: born within the window, in the same ward; provisional children not linked now
    (nor ever, for an automatic run); registered births only for a provisional child."""
    window, born = blocking_window_days(), sought.person.date_of_birth
    rows = [row for row in repo.provisional_in_window(sought.ward, born, window)
            if row.provisional_id != sought.person.id]
    ids = [row.provisional_id for row in rows]
    linked = repo.ever_linked_among(ids) if automatic else repo.linked_among(ids)
    found = [person_of_provisional(row) for row in rows if row.provisional_id not in linked]
    if sought.provisional:
        found += [person_of_birth(child_id, birth)
                  for child_id, birth in repo.births_in_window(sought.ward, born, window)]
    rejected = repo.rejected_with(sought.person.id) if automatic else set()  # an officer said no
    return [person for person in found if person.id not in rejected]


def decided(sought: Subject, found: list[Person]) -> list[Scored]:
    """A birth takes every provisional record of it at "link" (a child has several); a provisional
    child is one child: its births one-to-one (twins under one label go to review), then the other
    provisional children one-to-one and between provisional children's rules, births first."""
    if not sought.provisional:
        return match(sought.person, found, one_to_one=False)
    births = match(sought.person, [p for p in found if not is_provisional(p.id)])
    return births + match(sought.person, [p for p in found if is_provisional(p.id)], provisional_pair=True)


def scored(repo: RegistryRepository, child_id: str, automatic: bool = False
           ) -> tuple[Subject, list[Scored], dict[str, Person]]:
    """The child sought, its candidates scored (births first for a provisional child, best first
    within each), and those candidates by id."""
    units = admin_units()
    sought = subject(repo, child_id, units)
    found = {person.id: person for person in candidates(repo, sought, units, automatic)}
    return sought, decided(sought, list(found.values())), found


def pair(sought: Subject, candidate_id: str) -> tuple[str, str]:
    """(provisional id, the id it would be): a birth is always the target."""
    return (candidate_id, sought.person.id) if not sought.provisional else (sought.person.id, candidate_id)


def look_for_matches(service: Any, child_id: str) -> dict[str, int]:
    """Score ``child_id`` against its candidates; link, queue for review, or leave apart."""
    repo = service.repository()
    if is_personal_id(child_id) and nobody_to_match(repo, child_id):
        repo.session.commit()
        return {"linked": 0, "reviews": 0}
    if not is_personal_id(child_id) and repo.ever_linked_among([child_id]):
        return {"linked": 0, "reviews": 0}
    sought, results, found = scored(repo, child_id, automatic=True)
    doubted = [] if sought.provisional else twins_revealed(repo, sought)
    repo.session.commit()  # nothing read stays open while the links are written
    reviews = sum(_undo(service, repo, link, sought) for link in doubted)
    to_link = [result for result in results if result.decision == LINK]
    linked = 0
    for result in to_link[:1] if sought.provisional else to_link:  # one live link per provisional id
        linked += link_by_rule(service, *pair(sought, result.id), result.score)
    for result in results:
        if result.decision == REVIEW:
            provisional_id, target = pair(sought, result.id)
            side = sought.person if sought.provisional else found[result.id]
            reviews += repo.add_review(provisional_id, target, result.score, result.levels,
                                       side.commune_code, sought.ward)
    repo.session.commit()
    return {"linked": linked, "reviews": reviews}


def nobody_to_match(repo: RegistryRepository, child_id: str) -> bool:
    """A registered birth whose block (its ward, the window around its birthday) holds no live
    provisional child: no candidate to score and no link by rule to doubt (``twins_revealed`` looks
    at the same block), so the birth itself need not be read. Most births: two indexed looks instead
    of five queries. A child not found, or without a ward, takes the full path (which says why)."""
    block = repo.birth_block(child_id)
    if block is None or block[0] is None:
        return False
    ward, born = block
    return not repo.any_provisional_in_window(ward, born, blocking_window_days())


def twins_revealed(repo: RegistryRepository, sought: Subject) -> list[dict[str, Any]]:
    """The live links by rule of provisional children of the block to another birth of it that
    the birth just registered would also match (a twin's label, linked when only one twin was
    registered): each such provisional child now has two children it may be."""
    window, born = blocking_window_days(), sought.person.date_of_birth
    rows = {row.provisional_id: row for row in repo.provisional_in_window(sought.ward, born, window)}
    by_rule = {provisional_id: link for provisional_id, link in (repo.group_links(list(rows)) if rows
                                                                 else {}).items()
               if provisional_id in rows and link.get("linked_by") == BY_RULE}
    if not by_rule:  # nothing to doubt: the block's births need not be read (most births: none)
        return []
    births = {child_id: person_of_birth(child_id, birth) for child_id, birth
              in repo.births_in_window(sought.ward, born, window) if child_id != sought.person.id}
    doubted = []
    for provisional_id, link in by_rule.items():
        if link["child_id"] not in births:
            continue
        again = match(person_of_provisional(rows[provisional_id]), [births[link["child_id"]], sought.person])
        if all(r.decision != LINK for r in again) and any(
                r.id == sought.person.id and r.decision != APART for r in again):
            doubted.append({**link, "scored": again})
    return doubted


def _undo(service: Any, repo: RegistryRepository, link: dict[str, Any], sought: Subject) -> int:
    """Undo a doubted link by rule and put the provisional child's pairs with both births to review."""
    record = {"record_id": f"undo-{link['provisional_id']}-{link['child_id']}",
              "link_record_id": link["record_id"], "reason": "wrong_match"}
    try:
        service.write_by_rule(RULE, schemas.UnlinkIdentitiesSchema, links.unlink_identities, record)
    except PlatformError:  # undone meanwhile by an officer
        _log.info("automatic link %s not undone", link["record_id"], exc_info=True)
        return 0
    row = repo.provisional_child(link["provisional_id"])
    added = sum(repo.add_review(link["provisional_id"], result.id, result.score, result.levels,
                                row.commune_code, sought.ward) for result in link["scored"])
    repo.session.commit()
    return added


def link_by_rule(service: Any, provisional_id: str, target: str, score: float) -> bool:
    record = {"record_id": f"auto-{provisional_id}-{target}", "provisional_id": provisional_id,
              "child_id": target, "score": score}
    try:
        service.write_by_rule(RULE, schemas.LinkByRuleSchema, links.link_identities, record)
    except PlatformError:  # raced by an officer's link or a void: the pair stays as it is
        _log.info("automatic link %s -> %s not written", provisional_id, target, exc_info=True)
        return False
    linking_metrics().automatic_links.inc()
    return True


def after_write(service: Any, response: dict) -> None:
    """Look for matches after a birth or a provisional child is recorded; a failure never undoes the write."""
    if response.get("event_type") not in ("birth_registered", "provisional_child_recorded"):
        return
    try:
        look_for_matches(service, response["child_id"])
    except Exception:  # the write stands; find_matches can be asked again
        _log.exception("matching after %s not run", response.get("event_type"))
        service.repository().session.rollback()
