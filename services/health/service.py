"""The health service's entrypoints: its write RPCs, the due list, and its copy of the registry.

Each write RPC is ``write_rpc(InputSchema, command)`` (the sector kit validates, replays a retried
``record_id``, commits record and event together and publishes). ``due_vaccinations`` is the
commune health worker's defaulter list (RPC, and CSV over HTTP for printing). Health keeps its own
minimal list of children from the registry's events (one reliable handler per registry event:
retried, then dead-lettered, never dropped), so it answers without calling the registry.
"""

from nameko.web.handlers import http

from services.health import commands, due_csv, referral_rules, schemas
from services.health.migrations import SCHEMA
from services.health.repository import HealthStore
from shared.contracts.fields import load
from shared.kit import sector
from shared.kit.access import guarded, require_area
from shared.kit.provisional import take_provisional_children
from shared.kit.records import Context
from shared.kit.referral_endpoints import take_referrals
from shared.kit.registry_copy import follow_registry
from shared.kit.sector import EXPECTED, write_rpc
from shared.plumbing.db import Database
from shared.rules.admin_units import admin_units
from shared.rules.clock import today


class HealthService(sector.SectorEndpoints):
    name = "health"
    referral_conditions = referral_rules.CONDITIONS

    db = Database(SCHEMA)

    record_vaccination = write_rpc(schemas.RecordVaccinationSchema, commands.record_vaccination)
    record_growth = write_rpc(schemas.RecordGrowthSchema, commands.record_growth)
    record_screening = write_rpc(schemas.RecordScreeningSchema, commands.record_screening)
    record_health_check = write_rpc(schemas.RecordHealthCheckSchema, commands.record_health_check)

    @guarded("read:due_list", expected_exceptions=EXPECTED)
    def due_vaccinations(self, commune_code: str, as_of: str) -> list[dict]:
        """Children of the commune with a dose due or overdue on ``as_of``, most overdue first (for a
        caller whose areas hold the commune)."""
        query = load(schemas.DueQuerySchema, {"commune_code": commune_code, "as_of": as_of})
        require_area(self.caller.identity, query["commune_code"], query["as_of"],
                     f"Commune {query['commune_code']}")
        context = Context(today=today(), units=admin_units())
        rows = commands.due_list(self.repository(), query["commune_code"], query["as_of"], context)
        return schemas.DueDoseSchema(many=True).dump(rows)

    @http("GET", "/due-vaccinations")
    def get_due_vaccinations(self, request) -> tuple:
        """``?commune_code=…&as_of=YYYY-MM-DD``: the defaulter list as CSV."""
        self.caller.use_header(request.headers.get("Authorization"))
        return due_csv.due_csv_response(request.args, self.due_vaccinations)

    def repository(self) -> HealthStore:
        return HealthStore(self.db)



follow_registry(HealthService)
take_referrals(HealthService)
take_provisional_children(HealthService)
sector.add_batch_writes(HealthService)  # last: every write RPC above gets its batch twin
