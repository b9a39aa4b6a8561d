"""The registry service's entrypoints: its write RPCs and ``get_child``; the rest is the sector kit.

Each write RPC is ``write_rpc(InputSchema, command)``: the kit validates, replays a retried
``record_id``, runs the command, commits the record and its event together and publishes them.
``void_record``, ``events_since`` and the outbox relay come from ``sector.SectorEndpoints``.
"""

from services.registry import commands, schemas
from services.registry.orm import RegistryBase
from services.registry.repository import RegistryRepository
from shared.contracts.fields import load
from shared.contracts.registry import fold_child
from shared.exceptions import NotFound
from shared.kit import sector
from shared.kit.access import guarded, require_area
from shared.kit.referral_endpoints import take_referrals
from shared.kit.sector import EXPECTED, IDENTITY_ARGUMENTS, write_rpc
from shared.plumbing.db import Database


class RegistryService(sector.SectorEndpoints):
    name = "registry"

    db = Database(RegistryBase)
    audited_reads = {"get_child": "child_id"}

    register_birth = write_rpc(schemas.RegisterBirthSchema, commands.register_birth)
    change_residence = write_rpc(schemas.ChangeResidenceSchema, commands.change_residence)
    issue_insurance_card = write_rpc(schemas.IssueInsuranceCardSchema, commands.issue_insurance_card)
    record_death = write_rpc(schemas.RecordDeathSchema, commands.record_death)

    @guarded("read:child", expected_exceptions=EXPECTED, sensitive_arguments=IDENTITY_ARGUMENTS)
    def get_child(self, child_id: str) -> dict:
        """The child's registration, for a caller whose areas hold the child's commune today."""
        child_id = load(schemas.ChildQuerySchema, {"child_id": child_id})["child_id"]
        repo = self.repository()
        if repo.get_child(child_id) is None:
            raise NotFound(f"No registered child {child_id}.")
        state = fold_child(repo.facts_for(child_id))
        residence = state.residence
        require_area(self.caller.identity, residence.commune_code, residence.map_version, f"Child {child_id}")
        return schemas.ChildSchema().dump({
            "child_id": child_id, **state.birth, "commune_code": residence.commune_code,
            "map_version": residence.map_version, "residence_since": residence.since,
            "card": state.card, "date_of_death": state.date_of_death})

    def repository(self) -> RegistryRepository:
        return RegistryRepository(self.db)

    def on_void(self, store: RegistryRepository, target) -> None:
        if target.event_type == "birth_registered":
            store.remove_child(target.child_id)
take_referrals(RegistryService)
