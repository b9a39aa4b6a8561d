"""Linking identities, the registry's use cases: a provisional id is the child another id names
(``identity_linked``), or that link was wrong (``identity_unlinked``). Sector-kit commands: they
check against what is stored and say what to store; the kit commits record and event together, so
a refused link or unlink stores nothing and publishes nothing. A link closes the pair's review.
"""

from typing import Any

from services.registry.repository import RegistryRepository
from shared.contracts.identity import LINKED, UNLINKED, canonical_ids, is_personal_id
from shared.exceptions import Conflict, NotFound, ValidationFailed
from shared.kit.records import Accepted, Context

LINKED_STATUS, SUPERSEDED = "linked", "superseded"


def _who(ctx: Context) -> str:
    return (ctx.provenance or {}).get("user_id") or "unknown"


def _known(repo: RegistryRepository, child_id: str, field: str) -> Any:
    """The provisional child or registered child ``child_id`` names, or ``NotFound`` naming ``field``."""
    found = (repo.get_child(child_id) if is_personal_id(child_id) else repo.provisional_child(child_id))
    if found is None or getattr(found, "voided", False):
        kind = "registered child" if is_personal_id(child_id) else "provisional child"
        raise NotFound(f"{field}: no {kind} {child_id}.")
    return found


def link_identities(repo: RegistryRepository, cmd: dict, ctx: Context) -> Accepted:
    """Say that ``provisional_id`` is the child ``child_id`` names (``identity_linked``)."""
    provisional = _known(repo, cmd["provisional_id"], "provisional_id")
    _known(repo, cmd["child_id"], "child_id")
    links = repo.group_links([cmd["provisional_id"], cmd["child_id"]])
    if cmd["provisional_id"] in links:
        raise Conflict(f"provisional_id: {cmd['provisional_id']} is already linked to "
                       f"{links[cmd['provisional_id']]['child_id']} (record "
                       f"{links[cmd['provisional_id']]['record_id']}); unlink it first.")
    canonical = canonical_ids({p: link["child_id"] for p, link in links.items()})
    if canonical.get(cmd["child_id"], cmd["child_id"]) == cmd["provisional_id"]:
        raise ValidationFailed({"child_id": [f"{cmd['child_id']} is already {cmd['provisional_id']}: "
                                             "the link would make a cycle."]})
    review = repo.review(cmd["provisional_id"], cmd["child_id"])
    score = cmd.get("score", review.score if review is not None else None)
    if review is not None and review.status == "open":
        repo.close_review(review, LINKED_STATUS, _who(ctx), cmd["record_id"])
    for other in repo.reviews_of(cmd["provisional_id"]):  # it is now one child: its other pairs are moot
        if other.provisional_id == cmd["provisional_id"] and other is not review:
            repo.close_review(other, SUPERSEDED, _who(ctx), cmd["record_id"])
    payload = {"provisional_id": cmd["provisional_id"], "child_id": cmd["child_id"], "score": score,
               "linked_by": _who(ctx), "linked_on": ctx.today}
    return Accepted(LINKED, cmd["child_id"], provisional.commune_code, ctx.today, payload,
                    answer={"provisional_id": cmd["provisional_id"], "linked_to": cmd["child_id"],
                            "score": score})


def unlink_identities(repo: RegistryRepository, cmd: dict, ctx: Context) -> Accepted:
    """Undo a wrong link: the two are two children again (``identity_unlinked``)."""
    link = repo.get_record(cmd["link_record_id"])
    if link is None or link.event_type != LINKED:
        raise NotFound(f"link_record_id: no link {cmd['link_record_id']}.")
    undone = {row.payload["link_record_id"] for row in repo.link_rows([link.payload["provisional_id"]])
              if row.event_type == UNLINKED}
    if cmd["link_record_id"] in undone:
        raise Conflict(f"link_record_id: link {cmd['link_record_id']} is already undone.")
    provisional = repo.provisional_child(link.payload["provisional_id"])
    payload = {"link_record_id": link.record_id, "provisional_id": link.payload["provisional_id"],
               "child_id": link.payload["child_id"], "reason": cmd["reason"], "unlinked_by": _who(ctx),
               "unlinked_on": ctx.today}
    return Accepted(UNLINKED, link.payload["child_id"], provisional.commune_code if provisional else None,
                    ctx.today, payload, answer={"provisional_id": payload["provisional_id"],
                                                "unlinked_from": payload["child_id"]})

