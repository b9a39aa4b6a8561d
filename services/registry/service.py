"""The registry service's entrypoints: its write RPCs and ``get_child``; linking identities and the
review queue; the rest is the sector kit.

Each write RPC is ``write_rpc(InputSchema, command)``: the kit validates, replays a retried
``record_id``, runs the command, commits the record and its event together and publishes them.
``void_record``, ``events_since`` and the outbox relay come from ``sector.SectorEndpoints``. Linking
(``link_identities``, ``unlink_identities``, ``reject_match``, ``match_reviews``, ``find_matches``)
needs ``link:identities``; the links are kit writes too (``links``), the matching is ``matcher``.
"""

from nameko.timer import timer

from services.registry import batch_matching, commands, links, matcher, reviews, schemas
from services.registry.follow_provisional import follow_provisional_children
from services.registry.migrations import SCHEMA
from services.registry.repository import RegistryRepository
from shared.contracts.fields import load
from shared.contracts.identity import LINKED, RECORDED, UNLINKED
from shared.contracts.registry import fold_child
from shared.exceptions import Conflict, NotFound, ValidationFailed
from shared.kit import sector
from shared.kit.access import guarded, require_area
from shared.kit.provisional import take_provisional_children
from shared.kit.referral_endpoints import take_referrals
from shared.kit.sector import EXPECTED, IDENTITY_ARGUMENTS, write_rpc
from shared.plumbing.db import Database

LINK = "link:identities"


class RegistryService(sector.SectorEndpoints):
    name = "registry"

    db = Database(SCHEMA)
    audited_reads = {"get_child": "child_id"}

    register_birth = write_rpc(schemas.RegisterBirthSchema, commands.register_birth, sensitive_arguments=(
        *IDENTITY_ARGUMENTS, "record.mother_name", "record.mother_id"))
    change_residence = write_rpc(schemas.ChangeResidenceSchema, commands.change_residence)
    issue_insurance_card = write_rpc(schemas.IssueInsuranceCardSchema, commands.issue_insurance_card)
    record_death = write_rpc(schemas.RecordDeathSchema, commands.record_death)

    @guarded("read:child", expected_exceptions=EXPECTED, sensitive_arguments=IDENTITY_ARGUMENTS)
    def get_child(self, child_id: str) -> dict:
        """The child's registration, for a caller whose areas hold the child's commune today, with
        the provisional ids linked to it."""
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
            "card": state.card, "date_of_death": state.date_of_death,
            "provisional_ids": repo.linked_to(child_id)})

    @guarded(LINK, expected_exceptions=EXPECTED, sensitive_arguments=IDENTITY_ARGUMENTS)
    def link_identities(self, record: dict) -> dict:
        """An officer says ``provisional_id`` is the child ``child_id`` names (``identity_linked``)."""
        return self.write(schemas.LinkIdentitiesSchema, links.link_identities, record)

    @guarded(LINK, expected_exceptions=EXPECTED)
    def unlink_identities(self, record: dict) -> dict:
        """An officer undoes a wrong link (``identity_unlinked``): two children again."""
        return self.write(schemas.UnlinkIdentitiesSchema, links.unlink_identities, record)

    @guarded(LINK, expected_exceptions=EXPECTED, sensitive_arguments=IDENTITY_ARGUMENTS)
    def reject_match(self, record: dict) -> dict:
        """An officer says a pair under review are two children: the review closes (no event)."""
        return reviews.reject_match(self, record)

    @guarded(LINK, expected_exceptions=EXPECTED)
    def match_reviews(self, commune_code: str) -> list[dict]:
        """Open reviews of a commune, oldest first, each with both sides and the levels."""
        return reviews.open_reviews(self, commune_code)

    @guarded(LINK, expected_exceptions=EXPECTED, sensitive_arguments=("child_id",))
    def find_matches(self, child_id: str) -> list[dict]:
        """The scored candidates for a registered or provisional child, best first (writes nothing)."""
        return reviews.find_matches(self, child_id)

    @timer(interval=15)
    def measure_reviews(self) -> None:
        reviews.measure(self)

    def repository(self) -> RegistryRepository:
        return RegistryRepository(self.db)

    def on_void(self, store: RegistryRepository, target) -> None:
        if target.event_type in (LINKED, UNLINKED):
            raise ValidationFailed({"record_id": ["A link is undone with unlink_identities, not voided."]})
        if target.event_type in ("birth_registered", RECORDED):
            links = store.targets([target.child_id]).items()
            tied = sorted(other if p == target.child_id else p for p, other in links
                          if target.child_id in (p, other))
            if tied:
                raise Conflict(f"record_id: {target.child_id} is linked with another id ({', '.join(tied)}); "
                               "unlink it first (unlink_identities), then void.")
        if target.event_type == "birth_registered":
            store.remove_child(target.child_id)
        if target.event_type == RECORDED:
            store.void_provisional_child(target.child_id)

    def after_write(self, response: dict) -> None:
        matcher.after_write(self, response)

    def after_writes(self, responses: list[dict]) -> None:
        batch_matching.after_writes(self, responses)


take_referrals(RegistryService)
take_provisional_children(RegistryService)
follow_provisional_children(RegistryService)
sector.add_batch_writes(RegistryService)  # last: every write RPC above gets its batch twin
