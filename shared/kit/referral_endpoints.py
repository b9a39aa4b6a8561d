"""Referrals for a sector service in one call: ``take_referrals(ServiceClass)``, written once.

It gives the service the four referral writes (``refer_child``, ``accept_referral``,
``decline_referral``, ``complete_referral``: sector-kit writes, so idempotent, typed, outbox), its
two lists for a commune (``referral_inbox``: sent to this sector; ``referrals_sent``: sent by it),
read by an officer of this sector whose areas hold the commune (``read:referrals:<sector>``), and
how it hears the other sectors' answers and referrals: one reliable handler per referral event of
every other source (and per void, so a withdrawn referral leaves the inbox), and
``catch_up_referrals`` (RPC and timer) over their ``referral_events_since`` (the referral events
of each sector's log and the voids of them, never the rest: health does not read protection's
cases), so a referral sent while this service was down still reaches its inbox. The service's store mixes in
``ReferralStore``.
"""

import logging
from functools import partial

from marshmallow import Schema

from shared.contracts import SOURCES
from shared.contracts.events import load_envelope
from shared.contracts.facts import VOIDED
from shared.contracts.fields import load, report_date
from shared.contracts.referrals import EVENTS, SENT, is_referral_event
from shared.kit import referral_commands as commands
from shared.kit.access import guarded, require_area
from shared.kit.referral_rules import REFERRAL_RULES_INTERVAL_KEY, look
from shared.kit.referral_store import ReferralStore
from shared.kit.sector import EXPECTED, EventsSinceSchema, write_rpc
from shared.plumbing.config_keys import CATCH_UP_INTERVAL_KEY
from shared.plumbing.consumer import DeadLetters, add_event_handlers
from shared.plumbing.db import ending_open_transaction
from shared.plumbing.event_logs import (
    EventLogs,
    fetch_page,
    follow_or_skip,
    record_id_of,
)
from shared.plumbing.timers import configured_timer
from shared.rules.admin_units import admin_units
from shared.rules.clock import today
from shared.rules.referrals import rules_raised_by

_log = logging.getLogger(__name__)
READ_REFERRALS = "read:referrals:{sector}"
REFERRAL_LOG = "referral_events_since"


class RunRulesSchema(Schema):
    as_of = report_date(load_default=None, allow_none=True)


def copy_referral_event(store: ReferralStore, body: dict | None) -> bool:
    """Keep another sector's referral event (or its void) if it concerns this sector, and commit;
    False when there was nothing to keep. An invalid event raises (retried, then parked)."""
    envelope = load_envelope(body)
    source, event_type, payload = envelope["source"], envelope["event_type"], body["payload"]
    with ending_open_transaction(store.session):
        if event_type == VOIDED:
            referral_id = (store.referral_of_fact(source, payload["voided_record_id"])
                           if is_referral_event(payload["voided_event_type"]) else None)
        else:
            referral_id = payload["referral_id"] if store.concerns_me(payload) else None
        if referral_id is None:
            return False
        store.keep_referral_fact(source, payload["record_id"], referral_id, envelope["child_id"],
                                 event_type, payload)
        store.session.commit()
    return True


def catch_up_referrals(service, source: str) -> dict:
    """Keep what ``source``'s log holds past the saved position that concerns this sector."""
    store = service.repository()
    fetch = partial(fetch_page, service.referral_logs[source], method=REFERRAL_LOG)
    return follow_or_skip(store.session, source, fetch, store.referral_position_model, record_id_of,
                          partial(store.referral_facts_among, source), partial(copy_referral_event, store),
                          service.park)


def take_referrals(service: type) -> None:
    """Give a sector service its referral writes, lists, handlers and catch-up."""
    others = tuple(source for source in SOURCES if source != service.name)

    def referral_inbox(self, commune_code: str, status: str | None = None,
                       as_of: str | None = None) -> list[dict]:
        """Referrals sent to this sector for a commune, most urgent first (``status``: open,
        overdue, sent, accepted, declined, completed; ``as_of``: the day overdue is judged on)."""
        return _listed(self, "to_sector", commune_code, status, as_of)

    def referrals_sent(self, commune_code: str, status: str | None = None,
                       as_of: str | None = None) -> list[dict]:
        """Referrals this sector sent from a commune, each with its state and outcome."""
        return _listed(self, "from_sector", commune_code, status, as_of)

    def referral_events_since(self, position: int = 0, limit: int = 1000) -> list[dict]:
        """This sector's referral events and their voids after ``position``, oldest first, at most
        ``limit``: what the other sectors read to catch up (never the rest of its log)."""
        page = load(EventsSinceSchema, {"position": position, "limit": limit})
        return self.repository().referral_events_since(page["position"], page["limit"])

    def catch_up_referrals_rpc(self) -> dict:
        """Keep the referral events of the other sectors that this sector missed (from their logs);
        a rule that looks when one arrives (protection's) looks once after them, as a handler would."""
        results = {source: catch_up_referrals(self, source) for source in others}
        if any(result.get("applied") for result in results.values()) and rules_raised_by(self.name):
            look(self, None, today(), trigger=SENT)
        return results

    def catch_up_periodically(self) -> None:
        catch_up_referrals_rpc(self)

    def _copy_referral_event(self, body: dict) -> None:
        if copy_referral_event(self.repository(), body):
            self.after_write({"child_id": body["child_id"], "event_type": body["event_type"]})

    service.refer_child = write_rpc(commands.ReferChildSchema, commands.refer_child)
    service.accept_referral = write_rpc(commands.AcceptReferralSchema, commands.accept_referral)
    service.decline_referral = write_rpc(commands.DeclineReferralSchema, commands.decline_referral)
    service.complete_referral = write_rpc(commands.CompleteReferralSchema, commands.complete_referral)
    for method in (referral_inbox, referrals_sent):
        setattr(service, method.__name__, guarded(READ_REFERRALS, expected_exceptions=EXPECTED)(method))
    catch_up_referrals_rpc.__name__ = "catch_up_referrals"
    service.catch_up_referrals = guarded("operate")(catch_up_referrals_rpc)
    service.catch_up_referrals_periodically = configured_timer(CATCH_UP_INTERVAL_KEY, 60)(
        catch_up_periodically)
    service._copy_referral_event = _copy_referral_event
    if rules_raised_by(service.name):
        raise_automatic_referrals(service)
    # not in ecd_catch_up_runs_total: by source, it would add to the registry copy's own catch-ups
    service.referral_logs = EventLogs(others, method=REFERRAL_LOG, counted=False)
    service.referral_events_since = guarded("read:event_log", expected_exceptions=EXPECTED)(
        referral_events_since)
    service.park = DeadLetters()
    add_event_handlers(service, [(source, event_type) for source in others
                                 for event_type in (*EVENTS, VOIDED)],
                       "_copy_referral_event",
                       "Keep {source}'s {event_type} in this sector's referrals if it concerns them.")


def _listed(service, side: str, commune_code: str, status: str | None, as_of: str | None) -> list[dict]:
    query = load(commands.ReferralListSchema, {"commune_code": commune_code, "status": status,
                                               "as_of": as_of})
    on = query["as_of"] or today()
    require_area(service.caller.identity, query["commune_code"], on, f"Commune {query['commune_code']}")
    rows = service.repository().referrals_in(side, query["commune_code"], admin_units().map_on(on))
    return [commands.as_json(item) for item in commands.listed(rows, query["status"], on)]


def raise_automatic_referrals(service: type) -> None:
    """Give a service that raises automatic referrals its look after each write (and each referral
    it keeps from another sector), ``run_referral_rules`` (RPC) and its sweep (timer)."""

    def after_write(self, response: dict) -> None:
        try:
            look(self, [response["child_id"]], today(), trigger=response["event_type"])
        except Exception:  # the write stands; the next sweep looks at the child again
            _log.exception("automatic referrals after %s not looked at", response.get("event_type"))

    def after_writes(self, responses: list[dict]) -> None:
        """One look per kind of record of a batch, at all its children at once."""
        children: dict[str, set[str]] = {}
        for response in responses:
            if "child_id" in response and "event_type" in response:
                children.setdefault(response["event_type"], set()).add(response["child_id"])
        for trigger, child_ids in children.items():
            try:
                look(self, sorted(child_ids), today(), trigger=trigger)
            except Exception:  # the writes stand; the next sweep looks at the children again
                _log.exception("automatic referrals after a batch of %s not looked at", trigger)

    def run_referral_rules(self, as_of: str | None = None) -> dict:
        """Look at every child this sector knows for the automatic referrals it raises, on ``as_of``
        (default today): how many fired, and how many conditions ended."""
        query = load(RunRulesSchema, {"as_of": as_of})
        return look(self, None, query["as_of"] or today())

    def sweep(self) -> None:
        look(self, None, today())

    service.after_write = after_write
    service.after_writes = after_writes
    service.run_referral_rules = guarded("operate", expected_exceptions=EXPECTED)(run_referral_rules)
    service.look_for_referrals_periodically = configured_timer(REFERRAL_RULES_INTERVAL_KEY, 3600)(sweep)
