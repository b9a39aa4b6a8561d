"""A generated province's calls as the facts reporting would hold, per child and source, without
running the sector services: each call becomes the payload its service publishes (the registry's
own payload functions; health's records as published before the birth is known, judged again by
reporting's projection; education's enrolment fields; protection's cases and episodes, the
allowance at the standard level of its day), checked against its event contract. Referrals (a few
per thousand children) are left out.
"""

from collections import defaultdict
from datetime import date
from typing import Any

from services.registry import domain as registry_domain
from services.registry import schemas as registry_schemas
from shared.contracts import payload_schema
from shared.contracts.facts import VOIDED, Fact
from shared.contracts.fields import load
from shared.kit.records import json_safe
from shared.rules.admin_units import AdminUnits
from shared.rules.protection import standard_level
from tools.province.calls import Call

REGISTRY = {"register_birth": ("birth_registered", registry_schemas.RegisterBirthSchema,
                               registry_domain.birth_payload),
            "change_residence": ("residence_changed", registry_schemas.ChangeResidenceSchema,
                                 registry_domain.residence_payload),
            "issue_insurance_card": ("insurance_card_issued", registry_schemas.IssueInsuranceCardSchema,
                                     lambda cmd, _: registry_domain.card_payload(cmd)),
            "record_death": ("death_recorded", registry_schemas.RecordDeathSchema,
                             lambda cmd, _: registry_domain.death_payload(cmd))}
HEALTH = {"record_vaccination": ("vaccination_recorded", {"valid": None, "invalid_reason": None}),
          "record_growth": ("growth_measured", {"oedema": False, "muac_mm": None, "reference": None,
                                                "zscores": {}, "flagged": [], "conditions": []}),
          "record_screening": ("screening_recorded", {}),
          "record_health_check": ("health_check_recorded", {})}
ENROLMENT = {"inclusive": False, "age_exception": None}
PROTECTION = {"record_special_circumstance": "special_circumstance_recorded",
              "grant_allowance": "allowance_granted", "open_case": "case_opened"}
CASE_ANSWERS = {"update_case": ("case_updated", {"level": None, "risk": None}),
                "close_case": ("case_closed", {})}
LEFT_OUT = {"refer_child"}


def payload_of(call: Call, units: AdminUnits) -> tuple[str, dict[str, Any]] | None:
    """The event type and payload the call's service publishes (None: not built here)."""
    record = call.record
    if call.method in REGISTRY:
        event_type, schema, build = REGISTRY[call.method]
        return event_type, {"record_id": record["record_id"], **build(load(schema, record), units)}
    if call.method in HEALTH:
        event_type, extra = HEALTH[call.method]
        return event_type, {key: value for key, value in {**record, **extra}.items() if key != "child_id"}
    if call.method in PROTECTION:
        payload = {key: value for key, value in record.items() if key != "child_id"}
        if call.method == "grant_allowance":
            day = date.fromisoformat(record["started_on"])
            payload["monthly_amount_vnd"] = round(standard_level(day) * record["coefficient"])
        return PROTECTION[call.method], payload
    if call.method == "record_enrolment":
        return "enrolment_recorded", {key: value for key, value in {**ENROLMENT, **record}.items()
                                      if key != "child_id"}
    return None


def facts_by_child(calls: list[Call], units: AdminUnits) -> dict[str, dict[str, list[Fact]]]:
    """child id -> source -> its facts, voids included (``end_enrolment`` and voids need the record
    they name, made earlier in the calls)."""
    facts: dict[str, dict[str, list[Fact]]] = defaultdict(lambda: defaultdict(list))
    made: dict[str, tuple[str, str, str]] = {}  # record id -> (child id, source, event type)
    cases: dict[str, tuple[str, str]] = {}  # case id -> (child id, commune where it was opened)
    for call in calls:
        if call.service in LEFT_OUT or call.method in LEFT_OUT:
            continue
        if call.method == "void_record":
            child_id, source, event_type = made[call.record["record_id"]]
            payload = {"record_id": f"void-{call.record['record_id']}", "voided_event_type": event_type,
                       "voided_record_id": call.record["record_id"], "reason": call.record["reason"]}
            facts[child_id][source].append(fact(source, VOIDED, payload))
            continue
        if call.method == "end_enrolment":
            child_id, _, _ = made[call.record["enrolment_id"]]
            enrolment = next(f.payload for f in facts[child_id]["education"]
                             if f.record_id == call.record["enrolment_id"])
            payload = {**{k: call.record[k] for k in ("record_id", "enrolment_id", "ended_on", "reason")},
                       **{k: enrolment[k] for k in ("school_code", "commune_code")},
                       "school_year": enrolment["school_year"]}
            facts[child_id]["education"].append(fact("education", "enrolment_ended", payload))
            continue
        if call.method in CASE_ANSWERS:
            child_id, commune_code = cases[call.record["case_id"]]
            event_type, extra = CASE_ANSWERS[call.method]
            payload = {**extra, **call.record, "commune_code": commune_code}
            facts[child_id]["protection"].append(fact("protection", event_type, payload))
            continue
        event_type, payload = payload_of(call, units)
        if call.method == "open_case":
            cases[call.record["case_id"]] = (call.record["child_id"], call.record["commune_code"])
        made[call.record["record_id"]] = (call.record["child_id"], call.service, event_type)
        facts[call.record["child_id"]][call.service].append(fact(call.service, event_type, payload))
    return facts


def fact(source: str, event_type: str, payload: dict[str, Any]) -> Fact:
    """The fact as reporting stores and reads it: through the event contract and back."""
    clean = payload_schema(source, event_type).load(json_safe(payload))
    return Fact(source, payload["record_id"], event_type, clean)
