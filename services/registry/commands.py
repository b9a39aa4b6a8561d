"""The registry's use cases: check a command against the rules and what is stored, then say what
to store (``Accepted``) or which earlier answer to give (``Answered``). No commit and no publish
here: the sector kit (``shared.kit.records.write``) commits the record and its event together.
"""

from services.registry import domain
from services.registry.repository import RegistryRepository, ward_of
from shared.contracts.registry import ChildState, fold_child
from shared.exceptions import Conflict, NotFound, ValidationFailed
from shared.kit.batches import refuses_before_writing
from shared.kit.records import Accepted, Answered, Context, json_safe


def _raise_if(errors: domain.Errors) -> None:
    if errors:
        raise ValidationFailed(errors)


def _living_child(repo: RegistryRepository, child_id: str) -> ChildState:
    if repo.get_child(child_id) is None:
        raise NotFound(f"No registered child {child_id}.")
    return fold_child(repo.facts_for(child_id))


def _current_commune(state: ChildState) -> str | None:
    return state.residence.commune_code if state.residence else None


@refuses_before_writing
def register_birth(repo: RegistryRepository, cmd: dict, ctx: Context) -> Accepted | Answered:
    """Register a birth (``birth_registered``; ``on_time`` = within 60 days)."""
    _raise_if(domain.check_birth(cmd, ctx.today, ctx.units))
    existing = repo.get_child(cmd["child_id"])
    if existing is not None:
        first = repo.get_record(existing.birth_record_id)
        if {**first.request, "record_id": None} != {**json_safe(cmd), "record_id": None}:
            raise Conflict(f"Child {cmd['child_id']} is already registered with other data "
                           f"(record {first.record_id}).")
        return Answered(first.response)
    payload = domain.birth_payload(cmd, ctx.units)
    repo.add_child(cmd["child_id"], cmd["record_id"], cmd["date_of_birth"],
                   ward_of(cmd["commune_code"], payload["map_version"], ctx.units))
    return Accepted("birth_registered", cmd["child_id"], cmd["commune_code"],
                    cmd["registration_date"], payload,
                    answer={"on_time": payload["on_time"],
                            "days_to_registration": payload["days_to_registration"]})


@refuses_before_writing
def change_residence(repo: RegistryRepository, cmd: dict, ctx: Context) -> Accepted:
    """Record a move to another commune (``residence_changed``), by a registrar of either end."""
    state = _living_child(repo, cmd["child_id"])
    _raise_if(domain.check_residence(cmd, state.birth["date_of_birth"], ctx.today, ctx.units))
    return Accepted("residence_changed", cmd["child_id"], cmd["commune_code"], cmd["moved_on"],
                    domain.residence_payload(cmd, ctx.units),
                    also_placed=tuple(filter(None, [_current_commune(state)])))


@refuses_before_writing
def issue_insurance_card(repo: RegistryRepository, cmd: dict, ctx: Context) -> Accepted:
    """Record a health-insurance card (``insurance_card_issued``)."""
    state = _living_child(repo, cmd["child_id"])
    _raise_if(domain.check_card(cmd, state.birth["date_of_birth"], ctx.today))
    return Accepted("insurance_card_issued", cmd["child_id"], _current_commune(state),
                    cmd["issued_on"], domain.card_payload(cmd))


@refuses_before_writing
def record_death(repo: RegistryRepository, cmd: dict, ctx: Context) -> Accepted:
    """Record a death (``death_recorded``)."""
    state = _living_child(repo, cmd["child_id"])
    _raise_if(domain.check_death(cmd, state.birth["date_of_birth"], ctx.today))
    return Accepted("death_recorded", cmd["child_id"], _current_commune(state),
                    cmd["date_of_death"], domain.death_payload(cmd))

