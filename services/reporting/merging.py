"""Merging: one child across the ids its facts were recorded under (issue 18).

A child met before its registration has facts under a provisional id; the registry's links
(``identity_linked``, undone by ``identity_unlinked``) say which child each provisional id is.
Facts stay stored under the id they came with; what is projected is keyed by the child each id now
is, read with the contract's one fold (``shared.contracts.identity``: ``live_links``,
``canonical_ids``, ``members_of``). An event that touches linked ids, names a provisional id, or is
a link or an unlink re-projects the whole group of ids ever linked together: every id's rows are
cleared, then each canonical child is projected from the facts of ALL its member ids (every
source, referrals, the view), and each merged id is noted (``MergedId``) so the child view can
answer it. As every row is rebuilt from the stored facts, the result does not depend on arrival
order, a redelivery changes nothing, and an unlink splits the children again exactly. The event's
ids, then the rest of their group, are locked before the facts are read.
"""

from services.reporting.repository import ReportingRepository
from services.reporting.sources import PROJECTIONS
from services.reporting.sources.referrals import projection as referrals
from services.reporting.sources.registry import projection as registry
from shared.contracts import SOURCES
from shared.contracts.identity import (
    LINKED,
    canonical_ids,
    is_identity_event,
    is_link_event,
    is_provisional,
    linked_group,
    live_links,
    members_of,
)
from shared.rules.admin_units import AdminUnits


def involved(envelope: dict) -> set[str]:
    """The ids an event names: its child, and a link's provisional id."""
    ids = {envelope["child_id"]}
    if is_link_event(envelope["event_type"]):
        ids.add(envelope["payload"]["provisional_id"])
    return ids


def connected(repo: ReportingRepository, ids: set[str]) -> tuple[set[str], list[str]]:
    """Every id ever linked (or unlinked) with ``ids``, through any chain, and those links' record ids."""
    group, rows = linked_group(ids, repo.links_touching)
    return group, [row.record_id for row in rows]


def lock_group(repo: ReportingRepository, ids: set[str]) -> set[str]:
    """Lock ``ids``, then every id linked with them, until no new one appears (a link committed
    later waits for these locks, so the group read after them is the group). A child without links:
    one lock, one query."""
    locked: set[str] = set()
    group = set(ids)
    while group != locked:
        repo.lock_children(group)
        locked = set(group)
        group, _ = connected(repo, locked)
    return group


def needs_merging(event_type: str, child_id: str, group: set[str]) -> bool:
    """A provisional id, an identity event, or ids linked together: the group is re-projected."""
    return len(group) > 1 or is_identity_event(event_type) or is_provisional(child_id)


def resolve(repo: ReportingRepository, group: set[str]) -> dict[str, str]:
    """``{provisional id: its link's target}`` for the group's live links."""
    _, records = connected(repo, group)
    return {p: link["child_id"] for p, link in live_links(repo.registry_facts(records)).items()}


def reproject(repo: ReportingRepository, group: set[str], units: AdminUnits) -> None:
    """Clear every id of the group, then project each canonical child from all its ids' facts."""
    targets = resolve(repo, group)
    canonical = canonical_ids(targets)
    for child_id in sorted(group):
        repo.clear_child(child_id)
    for root in sorted({canonical.get(child_id, child_id) for child_id in group}):
        repo.members[root] = members_of(root, targets)
        project_child(repo, root, units)
    repo.save_merged({member: canonical[member] for member in group if member in canonical}, group)


def project_child(repo: ReportingRepository, child_id: str, units: AdminUnits) -> None:
    """Every table's rows of one child (its rows cleared), from the facts of all its ids."""
    registry.project_merged(repo, child_id, units)
    for source in SOURCES:
        if source != "registry" and (facts := repo.facts_for(child_id, source)):
            PROJECTIONS[source](repo, child_id, facts, LINKED, units)
    referrals.project(repo, child_id, units)
