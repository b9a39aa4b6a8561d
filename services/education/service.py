"""The education service's entrypoints: its write RPCs, a child's enrolments, a school's roster.

Each write RPC is ``write_rpc(InputSchema, command)`` (the sector kit validates, replays a retried
``record_id``, commits record and event together and publishes). ``school_roster`` is also a CSV
download over HTTP for a head teacher. Education keeps its own minimal list of children from the
registry's events (``follow_registry``: one reliable handler per registry event), so it checks ages
without calling the registry.
"""

from nameko.web.handlers import http

from services.education import commands, referral_rules, roster_csv, schemas
from services.education.migrations import SCHEMA
from services.education.repository import EducationStore
from shared.contracts.fields import load
from shared.kit import sector
from shared.kit.access import guarded, require_area
from shared.kit.provisional import take_provisional_children
from shared.kit.referral_endpoints import take_referrals
from shared.kit.registry_copy import follow_registry
from shared.kit.sector import EXPECTED, write_rpc
from shared.plumbing.db import Database
from shared.rules.admin_units import CURRENT


class EducationService(sector.SectorEndpoints):
    name = "education"
    referral_conditions = referral_rules.CONDITIONS

    db = Database(SCHEMA)
    audited_reads = {"enrolments_for": "child_id"}

    record_enrolment = write_rpc(schemas.RecordEnrolmentSchema, commands.record_enrolment)
    end_enrolment = write_rpc(schemas.EndEnrolmentSchema, commands.end_enrolment)

    @guarded("read:enrolments", expected_exceptions=EXPECTED, sensitive_arguments=("child_id",))
    def enrolments_for(self, child_id: str) -> list[dict]:
        """The child's enrolments (voided ones left out), by start date, each with its end; for a
        caller whose areas hold where the child lives (or, before its birth is known here, every
        school it was enrolled in)."""
        query = load(schemas.ChildQuerySchema, {"child_id": child_id})
        store = self.repository()
        child = store.known_child(query["child_id"])
        rows = commands.enrolments_of(store, query["child_id"])
        places = ([(child.current_commune, CURRENT)] if child is not None and child.current_commune
                  else [(row["commune_code"], row["start_date"]) for row in rows])
        for code, on in places:
            require_area(self.caller.identity, code, on, f"Child {query['child_id']}")
        return schemas.EnrolmentSchema(many=True).dump(rows)

    @guarded("read:enrolments", expected_exceptions=EXPECTED)
    def school_roster(self, school_code: str, school_year: str) -> list[dict]:
        """Every enrolment of the school in the school year, by level, grade and child; for a caller
        whose areas hold the school's commune (a year without enrolments: the commune of its latest
        one); ``NotFound`` for a school education never had an enrolment at."""
        query = load(schemas.RosterQuerySchema, {"school_code": school_code, "school_year": school_year})
        store = self.repository()
        rows = commands.roster(store, query["school_code"], query["school_year"])
        places = {(row["commune_code"], row["start_date"]) for row in rows} or {
            commands.school_commune(store, query["school_code"])}
        for code, on in sorted(places):
            require_area(self.caller.identity, code, on, f"School {query['school_code']}")
        return schemas.EnrolmentSchema(many=True).dump(rows)

    @http("GET", "/school-roster")
    def get_school_roster(self, request) -> tuple:
        """``?school_code=…&school_year=2025-2026``: the roster as CSV."""
        self.caller.use_header(request.headers.get("Authorization"))
        return roster_csv.roster_csv_response(request.args, self.school_roster)

    def repository(self) -> EducationStore:
        return EducationStore(self.db)

    def on_void(self, store: EducationStore, target) -> None:
        store.undo(target.record_id, target.event_type)


follow_registry(EducationService)
take_referrals(EducationService)
take_provisional_children(EducationService)
sector.add_batch_writes(EducationService)  # last: every write RPC above gets its batch twin
