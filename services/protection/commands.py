"""Protection's use cases: check a record, store what the rules need (notes encrypted, apart), and
say what to publish (``Accepted``: never the notes). No commit and no publish here: the sector kit
commits the record and its event together. Reads of cases are in ``reads``.
"""

from typing import Any

from services.protection import domain
from services.protection.repository import ProtectionStore
from shared.contracts.protection import END_EVENTS, EPISODES
from shared.kit.checks import check_commune, check_event_date, raise_if
from shared.kit.records import Accepted, Context
from shared.rules import protection


def _dated(store: ProtectionStore, child_id: str, cmd: dict, field: str, ctx: Context,
           commune: str | None = None) -> None:
    """Not in the future, not before the child's birth or after its death (once protection knows
    the child from the registry), and the commune on the map of that day."""
    raise_if(check_event_date(field, cmd[field], store.known_child(child_id), ctx.today),
             check_commune(commune, cmd[field], ctx.units) if commune else {})


def open_case(store: ProtectionStore, cmd: dict, ctx: Context) -> Accepted:
    """Open a case (``case_opened``): level, concerns, risk; the notes stay in protection."""
    _dated(store, cmd["child_id"], cmd, "opened_on", ctx, cmd["commune_code"])
    if store.any_case(cmd["case_id"]) is not None:
        raise_if({"case_id": [f"Case {cmd['case_id']} exists already; update or close it."]})
    store.add_case({"case_id": cmd["case_id"], "record_id": cmd["record_id"], "child_id": cmd["child_id"],
                    "commune_code": cmd["commune_code"], "opened_on": cmd["opened_on"]})
    store.add_note(cmd["record_id"], cmd["case_id"], cmd["opened_on"], cmd["notes"])
    payload = {key: cmd[key] for key in ("case_id", "opened_on", "commune_code", "level", "concerns", "risk")}
    return Accepted("case_opened", cmd["child_id"], cmd["commune_code"], cmd["opened_on"], payload)


def update_case(store: ProtectionStore, cmd: dict, ctx: Context) -> Accepted:
    """Change a case's level or risk, record its plan or the services delivered (``case_updated``)."""
    case = store.case(cmd["case_id"])
    raise_if(domain.check_open_case(case, cmd["case_id"]))
    _dated(store, case.child_id, cmd, "updated_on", ctx)
    raise_if(domain.check_not_before("updated_on", cmd["updated_on"], case.opened_on, "the case was opened"),
             domain.check_update(cmd))
    if cmd["plan_on"] is not None:
        raise_if(domain.check_not_before("plan_on", cmd["plan_on"], case.opened_on, "the case was opened"))
    store.add_note(cmd["record_id"], case.case_id, cmd["updated_on"], cmd["notes"])
    payload = {key: cmd[key] for key in ("case_id", "updated_on", "level", "risk", "plan_on", "services")}
    return Accepted("case_updated", case.child_id, case.commune_code, cmd["updated_on"],
                    {**payload, "commune_code": case.commune_code})


def close_case(store: ProtectionStore, cmd: dict, ctx: Context) -> Accepted:
    """Close a case with its outcome (``case_closed``)."""
    case = store.case(cmd["case_id"])
    raise_if(domain.check_open_case(case, cmd["case_id"]))
    _dated(store, case.child_id, cmd, "closed_on", ctx)
    raise_if(domain.check_not_before("closed_on", cmd["closed_on"], case.opened_on, "the case was opened"))
    case.closed_on, case.outcome, case.close_record_id = cmd["closed_on"], cmd["outcome"], cmd["record_id"]
    store.add_note(cmd["record_id"], case.case_id, cmd["closed_on"], cmd["notes"])
    payload = {"case_id": case.case_id, "closed_on": cmd["closed_on"], "outcome": cmd["outcome"],
               "commune_code": case.commune_code}
    return Accepted("case_closed", case.child_id, case.commune_code, cmd["closed_on"], payload)


def _start(store: ProtectionStore, cmd: dict, ctx: Context, kind: str, payload: dict[str, Any],
           answer: dict[str, Any] | None = None) -> Accepted:
    _dated(store, cmd["child_id"], cmd, "started_on", ctx, cmd["commune_code"])
    raise_if(domain.check_one_at_a_time(kind, cmd["started_on"], store.open_episodes(cmd["child_id"], kind)))
    store.add_episode(cmd["record_id"], kind, cmd["child_id"], cmd["commune_code"], cmd["started_on"])
    event_type, _ = EPISODES[kind]
    return Accepted(event_type, cmd["child_id"], cmd["commune_code"], cmd["started_on"],
                    {**payload, "started_on": cmd["started_on"], "commune_code": cmd["commune_code"]},
                    answer=answer or {})


def record_special_circumstance(store: ProtectionStore, cmd: dict, ctx: Context) -> Accepted:
    """A child found in one or more of the 14 groups of the Law on Children art. 10."""
    return _start(store, cmd, ctx, "special_circumstance", {"groups": cmd["groups"]})


def record_alternative_care(store: ProtectionStore, cmd: dict, ctx: Context) -> Accepted:
    """A child placed in kinship, foster, residential care or adopted."""
    return _start(store, cmd, ctx, "alternative_care", {"form": cmd["form"]})


def grant_allowance(store: ProtectionStore, cmd: dict, ctx: Context) -> Accepted:
    """A monthly social allowance (Decree 20/2021): standard level on the start date x coefficient."""
    child = store.known_child(cmd["child_id"])
    age = domain.check_category_age(cmd["category"], child.date_of_birth, cmd["started_on"]) if child else {}
    raise_if(domain.check_coefficient(cmd["category"], cmd["coefficient"]),
             domain.check_standard_level(cmd["started_on"]), age)
    amount = round(protection.standard_level(cmd["started_on"]) * cmd["coefficient"])
    payload = {"category": cmd["category"], "coefficient": cmd["coefficient"], "monthly_amount_vnd": amount}
    return _start(store, cmd, ctx, "allowance", payload, answer={"monthly_amount_vnd": amount})


def end_episode(kind: str):
    """The command ending an episode of ``kind`` (``special_circumstance_ended`` and its kin)."""
    _, target = EPISODES[kind]

    def end(store: ProtectionStore, cmd: dict, ctx: Context) -> Accepted:
        episode = store.episode(cmd[target], kind)
        if episode is None:
            raise_if({target: [f"No {kind.replace('_', ' ')} {cmd[target]} (or it was voided)."]})
        if episode.ended_on is not None:
            raise_if({target: [f"{cmd[target]} already ended on {episode.ended_on}."]})
        _dated(store, episode.child_id, cmd, "ended_on", ctx)
        raise_if(domain.check_not_before("ended_on", cmd["ended_on"], episode.started_on, "it started"))
        episode.ended_on, episode.end_record_id = cmd["ended_on"], cmd["record_id"]
        payload = {target: episode.record_id, "ended_on": cmd["ended_on"],
                   "commune_code": episode.commune_code}
        return Accepted(END_EVENTS[kind], episode.child_id, episode.commune_code, cmd["ended_on"], payload)

    end.__doc__ = f"End a {kind.replace('_', ' ')} (``{END_EVENTS[kind]}``)."
    return end
