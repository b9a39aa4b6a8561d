"""The reporting service's entrypoints: one reliable handler per registry event, RPC and HTTP reads.

Handlers apply each event in its own transaction (``use_cases.apply_event``); the result does not
depend on arrival order, and a failing event is retried, then dead-lettered, never dropped
(``shared.consumer``). A timer catches up from the registry's event log.
"""

import json
from functools import partial

import eventlet
from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http

from services.reporting import schemas, use_cases
from services.reporting.indicators import compute_indicators, resolve_area
from services.reporting.orm import ReportingBase
from services.reporting.report_page import render_report
from services.reporting.repository import ReportingRepository
from shared import operations
from shared.admin_units import admin_units
from shared.config_keys import CATCH_UP_INTERVAL_KEY
from shared.consumer import reliable_handler
from shared.db import Database
from shared.exceptions import NotFound, ValidationFailed
from shared.metrics import RpcMetrics, service_metrics
from shared.timers import configured_timer

EXPECTED = (ValidationFailed, NotFound)
CATCH_UP_BATCH = 500
CATCH_UP_CALL_TIMEOUT = 30


class ReportingService(operations.OperationsEndpoints):
    name = "reporting"

    db = Database(ReportingBase)
    registry_rpc = RpcProxy("registry")
    metrics = RpcMetrics()

    @reliable_handler("registry", "birth_registered")
    def handle_birth_registered(self, body: dict) -> None:
        self._project(body)

    @reliable_handler("registry", "residence_changed")
    def handle_residence_changed(self, body: dict) -> None:
        self._project(body)

    @reliable_handler("registry", "insurance_card_issued")
    def handle_insurance_card_issued(self, body: dict) -> None:
        self._project(body)

    @reliable_handler("registry", "death_recorded")
    def handle_death_recorded(self, body: dict) -> None:
        self._project(body)

    @reliable_handler("registry", "record_voided")
    def handle_record_voided(self, body: dict) -> None:
        self._project(body)

    @rpc(expected_exceptions=EXPECTED, sensitive_arguments=("child_id",))
    def child_view(self, child_id: str) -> dict:
        view = ReportingRepository(self.db).get_view(child_id)
        if view is None:
            raise NotFound(f"No view for child {child_id}.")
        return schemas.ChildViewSchema().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def indicators(self, area_code: str, as_of: str, period: dict | None = None) -> dict:
        query = schemas.load_query({"area_code": area_code, "as_of": as_of, "period": period})
        area = resolve_area(query["area_code"], query["as_of"], admin_units())
        return compute_indicators(ReportingRepository(self.db), area, query["as_of"],
                                  query["period"]["start"], query["period"]["end"])

    @rpc(expected_exceptions=EXPECTED)
    def catch_up(self, source: str = "registry") -> dict:
        """Apply what the producer's event log holds past the position last read."""
        producers = {"registry": self.registry_rpc}
        if source not in producers:
            raise ValidationFailed({"source": [f"Unknown source {source!r}."]})
        fetch = partial(self._events_since, producers[source])
        return use_cases.catch_up(self.db, source, fetch, service_metrics(self.name))

    @configured_timer(CATCH_UP_INTERVAL_KEY, 60)
    def catch_up_periodically(self) -> None:
        self.catch_up("registry")

    @rpc
    def view_stats(self) -> dict:
        return ReportingRepository(self.db).stats()

    @http("GET", "/indicators")
    def get_indicators(self, request) -> tuple:
        """JSON by default; ``format=html`` gives the page an officer opens in a browser."""
        args = request.args
        try:
            period = {key: args[f"period_{key}"] for key in ("start", "end") if f"period_{key}" in args}
            body = self.indicators(args.get("area", ""), args.get("as_of", ""), period or None)
        except ValidationFailed as error:
            return 400, {"Content-Type": "application/json"}, json.dumps({"errors": error.errors})
        if args.get("format") == "html":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, render_report(body)
        return 200, {"Content-Type": "application/json"}, json.dumps(body, ensure_ascii=False)

    @staticmethod
    def _events_since(producer, position: int) -> list[dict]:
        with eventlet.Timeout(CATCH_UP_CALL_TIMEOUT):
            return producer.events_since.call_async(position, CATCH_UP_BATCH).result()

    def _project(self, body: dict) -> None:
        use_cases.apply_event(self.db, body, service_metrics(self.name))
