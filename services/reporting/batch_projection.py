"""Many events in one transaction (issue 19): what ``use_cases.apply_events`` does with a batch.

The batch's events are claimed in ``processed_events`` with one statement (an event id seen earlier
in the batch, or applied before, is skipped); the ids they touch, with every id ever linked to them,
are locked at once; their facts and links are stored with one statement each, in arrival order (a
fact stored twice keeps its first version, as one by one); then each child the batch touched is
projected ONCE, from all its stored facts: each source projection it had events of (told of a void,
``VOIDED``, when several of its event types came, so it rewrites all it owns), the referral
projection if any event touched referrals, the dependent projections (``REPROJECT``); a group of
linked ids, a provisional id or an identity event re-projects the whole group once (``merging``).
Every projection rebuilds its rows from all of the child's facts, so projecting once at the end
gives the rows the events give applied one by one, in any order.

Profiled (cProfile, PostgreSQL, 1,000 generated events of 71 children, ``bench.generated_events``):
one by one took 14.2 s, in 12,100 statements (6.8 s in the driver), 1,000 commits (1.5 s), the
health projection re-reading the child's registry and health facts at every dose (5.2 s, of which
3.8 s reading facts), the link lookups of the locks (1.6 s) and the claims (1.4 s). As one batch
projecting each child once: 1.25 s, in 1,190 statements, most of them each child's facts read and
its tables written one child at a time; with those read and written for the whole batch at once
(``batch_writes``): 0.28 s (one by one, same run: 11.0 s). 2,000 shuffled events in batches of 50:
14,319 statements and 4.4 s before ``batch_writes``, 843 and 2.6 s after; what is left is mostly
decoding envelopes and facts through their contracts and the projections' own folding.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from services.reporting import merging
from services.reporting.batch_writes import BatchRepository
from services.reporting.repository import ReportingRepository
from services.reporting.sources import PROJECTIONS, REPROJECT
from services.reporting.sources.referrals import projection as referrals
from shared.contracts.facts import VOIDED
from shared.contracts.identity import is_link_event, linked_group
from shared.contracts.referrals import is_referral_event
from shared.rules.admin_units import admin_units

Event = tuple[dict, dict]  # (the loaded envelope, the body as it came: its payload is what is stored)


@dataclass
class Touched:
    """What a batch's events of one child ask to project."""

    sources: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    referrals: bool = False
    dependents: set[str] = field(default_factory=set)


def claim(repo: ReportingRepository, events: list[Event]) -> tuple[list[Event], list[Event]]:
    """(the events to apply, in arrival order; the duplicates: in the batch or applied before)."""
    first: dict[str, Event] = {}
    for event in events:
        first.setdefault(event[0]["event_id"], event)
    claimed = repo.claim_events([{"event_id": e["event_id"], "event_type": e["event_type"],
                                  "source": e["source"], "recorded_at": e.get("recorded_at")}
                                 for e, _ in first.values()])
    fresh = [event for event in first.values() if event[0]["event_id"] in claimed]
    taken = {id(event) for event in fresh}
    return fresh, [event for event in events if id(event) not in taken]


def store(repo: ReportingRepository, events: list[Event]) -> None:
    """The facts (the first of each ``(source, record_id)``) and the links, one statement each."""
    facts: dict[tuple[str, str], dict] = {}
    for envelope, body in events:
        key = (envelope["source"], envelope["payload"]["record_id"])
        facts.setdefault(key, {"source": key[0], "record_id": key[1], "child_id": envelope["child_id"],
                               "event_type": envelope["event_type"], "payload": body["payload"]})
    repo.add_facts([facts[key] for key in sorted(facts)])
    for envelope, _ in events:
        if is_link_event(envelope["event_type"]):
            payload = envelope["payload"]
            repo.add_link(payload["record_id"], payload["provisional_id"], envelope["child_id"])


def groups(repo: ReportingRepository, ids: set[str]) -> dict[str, set[str]]:
    """Each id's group of linked ids (the links read once for all of them)."""
    _, rows = linked_group(ids, repo.links_touching)

    def touching(wanted: set[str]) -> list:
        return [row for row in rows if row.provisional_id in wanted or row.child_id in wanted]

    return {child_id: linked_group({child_id}, touching)[0] for child_id in ids}


def project(repo: BatchRepository, events: list[Event]) -> None:
    """Lock, store, then project each child (or group) the events touched, once; the plain children's
    facts read at once and every row written at the end (``batch_writes``)."""
    ids = set().union(*(merging.involved(envelope) for envelope, _ in events))
    merging.lock_group(repo, ids)
    store(repo, events)
    group_of, merged, touched = groups(repo, ids), {}, defaultdict(Touched)
    for envelope, _ in events:
        child_id, event_type = envelope["child_id"], envelope["event_type"]
        if merging.needs_merging(event_type, child_id, group_of[child_id]):
            merged.setdefault(min(group_of[child_id]), group_of[child_id])
        else:
            note(repo, touched[child_id], envelope)
    units, reprojected = admin_units(), set().union(*merged.values())
    for _, group in sorted(merged.items()):
        merging.reproject(repo, group, units)
    plain = {child_id: what for child_id, what in touched.items() if child_id not in reprojected}
    repo.preload(set(plain))
    for child_id, what in plain.items():
        project_child(repo, child_id, what)
    repo.flush()


def note(repo: ReportingRepository, touched: Touched, envelope: dict) -> None:
    source, event_type, payload = envelope["source"], envelope["event_type"], envelope["payload"]
    if not is_referral_event(event_type):  # referrals: no source projection reads them
        touched.sources[source].add(event_type)
    touched.referrals = touched.referrals or referrals.touches_referrals(repo, source, event_type, payload)
    touched.dependents.update(REPROJECT.get((source, event_type), ()))


def project_child(repo: ReportingRepository, child_id: str, touched: Touched) -> None:
    """A child known by one id only, as ``use_cases`` projects one event, for all of its events."""
    units = admin_units()
    for source, event_types in touched.sources.items():
        event_type = next(iter(event_types)) if len(event_types) == 1 else VOIDED
        PROJECTIONS[source](repo, child_id, repo.facts_for(child_id, source), event_type, units)
    if touched.referrals:
        referrals.project(repo, child_id, units)
    for dependent in sorted(touched.dependents - set(touched.sources)):
        if facts := repo.facts_for(child_id, dependent):
            PROJECTIONS[dependent](repo, child_id, facts, VOIDED, units)
