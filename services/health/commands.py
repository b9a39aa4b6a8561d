"""Health's use cases: check a command, judge it against what health knows of the child, and say
what to store (``Accepted``). No commit and no publish here: the sector kit commits the record and
its event together. A record for a child health has not heard of yet is kept, not refused; its
judgement (dose validity, z-scores) waits for the birth, and reporting re-reads it then.
"""

from typing import Any

from services.health import domain
from services.health.repository import HealthStore
from shared.contracts.facts import live_facts
from shared.contracts.health import assess, doses
from shared.kit.checks import check_commune, check_event_date, raise_if
from shared.kit.records import Accepted, Context, pending_judged_by
from shared.rules import epi

NOT_YET_KNOWN = "the child's birth has not reached health yet; judged when it does"


def _check(store: HealthStore, cmd: dict, day_field: str, ctx: Context):
    child = store.known_child(cmd["child_id"])
    raise_if(check_event_date(day_field, cmd[day_field], child, ctx.today),
              check_commune(cmd["commune_code"], cmd[day_field], ctx.units))
    return child


def _judge_dose(store: HealthStore, cmd: dict, child) -> dict[str, Any]:
    if child is None:
        return {"valid": None, "invalid_reason": None, "counts_as": None, "note": NOT_YET_KNOWN}
    earlier = [f for f in live_facts(store.facts_for(cmd["child_id"]))
               if f.record_id != cmd["record_id"]]  # itself, when a replay judges a pending dose
    new = epi.Dose(cmd["record_id"], cmd["antigen"], cmd["dose"], cmd["given_on"])
    verdict = next(v for v in epi.judge(child.date_of_birth, [*doses(earlier), new])
                   if v.record_id == cmd["record_id"])
    return {"valid": verdict.valid, "invalid_reason": verdict.reason, "counts_as": verdict.counts_as}


def _judged_dose(store: HealthStore, cmd: dict, ctx: Context) -> dict[str, Any] | None:
    child = store.known_child(cmd["child_id"])
    return None if child is None else {**_judge_dose(store, cmd, child), "note": None}


def _judged_growth(store: HealthStore, cmd: dict, ctx: Context) -> dict[str, Any] | None:
    child = store.known_child(cmd["child_id"])
    return None if child is None else {**_assessment(cmd, child)[1], "note": None}


@pending_judged_by(_judged_dose)
def record_vaccination(store: HealthStore, cmd: dict, ctx: Context) -> Accepted:
    """Record a dose given (``vaccination_recorded``); too early or too soon: kept, marked invalid."""
    raise_if(domain.check_dose(cmd["antigen"], cmd["dose"], epi.schedule()))
    child = _check(store, cmd, "given_on", ctx)
    judged = _judge_dose(store, cmd, child)
    payload = {key: cmd[key] for key in ("antigen", "dose", "given_on", "commune_code", "facility_code")}
    payload.update(valid=judged["valid"], invalid_reason=judged["invalid_reason"])
    return Accepted("vaccination_recorded", cmd["child_id"], cmd["commune_code"], cmd["given_on"],
                    payload, answer=judged, pending=child is None)


def _assessment(cmd: dict, child) -> tuple[dict[str, Any], dict[str, Any]]:
    """The payload's z-scores and classes, and the answer, of a measurement of a known child."""
    measured = {key: cmd[key] for key in ("measured_on", "commune_code", "weight_kg", "length_height_cm",
                                          "position", "oedema", "muac_mm")}
    result = assess(measured, child.sex, child.date_of_birth)
    judged = {"reference": result.reference, "zscores": result.zscores, "flagged": list(result.flagged),
              "conditions": list(result.conditions)}
    answer = {**judged, "age_days": result.age_days, "length_height_used_cm": result.length_height_cm,
              "notes": list(result.notes)}
    return judged, answer


@pending_judged_by(_judged_growth)
def record_growth(store: HealthStore, cmd: dict, ctx: Context) -> Accepted:
    """Record a measurement (``growth_measured``) with its WHO z-scores and nutrition classes."""
    child = _check(store, cmd, "measured_on", ctx)
    payload = {key: cmd[key] for key in ("measured_on", "commune_code", "weight_kg", "length_height_cm",
                                         "position", "oedema", "muac_mm")}
    if child is None:
        payload.update(reference=None, zscores={}, flagged=[], conditions=[])
        return Accepted("growth_measured", cmd["child_id"], cmd["commune_code"], cmd["measured_on"],
                        payload, answer={"note": NOT_YET_KNOWN}, pending=True)
    judged, answer = _assessment(cmd, child)
    return Accepted("growth_measured", cmd["child_id"], cmd["commune_code"], cmd["measured_on"],
                    {**payload, **judged}, answer=answer)


def record_screening(store: HealthStore, cmd: dict, ctx: Context) -> Accepted:
    """Record a development, hearing, vision or disability screening (``screening_recorded``)."""
    _check(store, cmd, "screened_on", ctx)
    payload = {key: cmd[key] for key in ("kind", "result", "screened_on", "commune_code")}
    return Accepted("screening_recorded", cmd["child_id"], cmd["commune_code"], cmd["screened_on"], payload)


def record_health_check(store: HealthStore, cmd: dict, ctx: Context) -> Accepted:
    """Record an annual health check (``health_check_recorded``)."""
    _check(store, cmd, "checked_on", ctx)
    payload = {key: cmd[key] for key in ("checked_on", "commune_code")}
    return Accepted("health_check_recorded", cmd["child_id"], cmd["commune_code"], cmd["checked_on"],
                    payload)


def on_the_list(child, as_of) -> bool:
    """Born, registered and alive on ``as_of`` (a row copied before the registration date was kept
    has none: listed, as before)."""
    registered = child.registration_date is None or child.registration_date <= as_of
    return child.date_of_birth <= as_of and registered and (
        child.date_of_death is None or child.date_of_death > as_of)


def due_list(store: HealthStore, commune_code: str, as_of, ctx: Context) -> list[dict[str, Any]]:
    """Every living child of the commune registered by ``as_of`` with a dose due or overdue that day
    (none past its maximum age: ``epi.next_doses``), most overdue first, with the name, carer and
    village the registry gave. A child's doses include those given under its linked provisional ids;
    a provisional child linked to another is not listed on its own."""
    raise_if(check_commune(commune_code, as_of, ctx.units))
    column = "current_commune" if ctx.units.map_on(as_of) == "2025" else "legacy_commune"
    children = [c for c in store.children_in(column, commune_code) if on_the_list(c, as_of)]
    members = store.members_by_child([c.child_id for c in children])  # with its linked provisional ids
    facts = store.vaccination_facts(sorted({m for ids in members.values() for m in ids}))
    rows = []
    for child in children:
        given = [fact for member in members[child.child_id] for fact in facts[member]]
        verdicts = epi.judge(child.date_of_birth, doses(given))
        for due in epi.next_doses(child.date_of_birth, verdicts, as_of, child.current_province):
            if due.status != "upcoming":
                rows.append({"child_id": child.child_id, "full_name": child.full_name,
                             "carer_name": child.carer_name, "village": child.village,
                             "date_of_birth": child.date_of_birth,
                             "antigen": due.antigen, "dose": due.dose, "due_on": due.due_on,
                             "days_overdue": due.days_overdue, "status": due.status})
    return sorted(rows, key=lambda r: (-r["days_overdue"], r["due_on"], r["child_id"], r["antigen"]))

