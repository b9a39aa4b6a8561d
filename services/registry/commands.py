"""The registry's use cases: check a command against the rules and what is stored, then describe
the record to add and the event to publish. No commit and no publish here: the service does both,
so a record and its event always commit in one transaction.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.registry import domain
from services.registry.orm import Record
from services.registry.repository import RegistryRepository
from shared.admin_units import AdminUnits
from shared.child_facts import ChildState, fold_child
from shared.events import make_envelope
from shared.exceptions import Conflict, NotFound, ValidationFailed

SOURCE = "registry"


@dataclass
class Outcome:
    response: dict[str, Any]
    record: Record | None = None
    envelope: dict[str, Any] | None = None


def _accept(cmd: dict[str, Any], request: dict, event_type: str, child_id: str,
            area_code: str | None, occurred_on: date, payload: dict, **extra: Any) -> Outcome:
    envelope = make_envelope(event_type, SOURCE, child_id, area_code, occurred_on, payload)
    response = {"record_id": cmd["record_id"], "child_id": child_id, "event_type": event_type,
                "event_id": envelope["event_id"], **extra}
    record = Record(record_id=cmd["record_id"], child_id=child_id, event_type=event_type,
                    request=request, payload=envelope["payload"], response=response)
    return Outcome(response, record, envelope)


def _raise_if(errors: domain.Errors) -> None:
    if errors:
        raise ValidationFailed(errors)


def _living_child(repo: RegistryRepository, child_id: str) -> ChildState:
    if repo.get_child(child_id) is None:
        raise NotFound(f"No registered child {child_id}.")
    return fold_child(repo.facts_for(child_id))


def register_birth(repo: RegistryRepository, cmd: dict, request: dict, today: date,
                   units: AdminUnits) -> Outcome:
    _raise_if(domain.check_birth(cmd, today, units))
    existing = repo.get_child(cmd["child_id"])
    if existing is not None:
        first = repo.get_record(existing.birth_record_id)
        if {**first.request, "record_id": None} != {**request, "record_id": None}:
            raise Conflict(f"Child {cmd['child_id']} is already registered with other data "
                           f"(record {first.record_id}).")
        return Outcome(first.response)
    payload = domain.birth_payload(cmd, units)
    repo.add_child(cmd["child_id"], cmd["record_id"], cmd["date_of_birth"])
    return _accept(cmd, request, "birth_registered", cmd["child_id"], cmd["commune_code"],
                   cmd["registration_date"], payload, on_time=payload["on_time"],
                   days_to_registration=payload["days_to_registration"])


def change_residence(repo: RegistryRepository, cmd: dict, request: dict, today: date,
                     units: AdminUnits) -> Outcome:
    state = _living_child(repo, cmd["child_id"])
    _raise_if(domain.check_residence(cmd, state.birth["date_of_birth"], today, units))
    return _accept(cmd, request, "residence_changed", cmd["child_id"], cmd["commune_code"],
                   cmd["moved_on"], domain.residence_payload(cmd, units))


def issue_insurance_card(repo: RegistryRepository, cmd: dict, request: dict, today: date,
                         units: AdminUnits) -> Outcome:
    state = _living_child(repo, cmd["child_id"])
    _raise_if(domain.check_card(cmd, state.birth["date_of_birth"], today))
    return _accept(cmd, request, "insurance_card_issued", cmd["child_id"], state.commune_code,
                   cmd["issued_on"], domain.card_payload(cmd))


def record_death(repo: RegistryRepository, cmd: dict, request: dict, today: date,
                 units: AdminUnits) -> Outcome:
    state = _living_child(repo, cmd["child_id"])
    _raise_if(domain.check_death(cmd, state.birth["date_of_birth"], today))
    return _accept(cmd, request, "death_recorded", cmd["child_id"], state.commune_code,
                   cmd["date_of_death"], domain.death_payload(cmd))


def void_record(repo: RegistryRepository, cmd: dict, request: dict, today: date,
                units: AdminUnits) -> Outcome:
    target = repo.get_record(cmd["target_record_id"])
    if target is None:
        raise NotFound(f"No record {cmd['target_record_id']}.")
    if target.event_type == "record_voided":
        raise ValidationFailed({"record_id": ["A void cannot itself be voided."]})
    state = fold_child(repo.facts_for(target.child_id))
    target.voided = True
    if target.event_type == "birth_registered":
        repo.remove_child(target.child_id)
    payload = {"record_id": cmd["record_id"], "voided_record_id": target.record_id,
               "voided_event_type": target.event_type, "reason": cmd["reason"]}
    return _accept(cmd, request, "record_voided", target.child_id, state.commune_code, today,
                   payload, voided_record_id=target.record_id)


Command = Callable[[RegistryRepository, dict, dict, date, AdminUnits], Outcome]
