"""The reporting service's entrypoints: one reliable handler per (source, event type), reads.

``shared.contracts`` lists the sources and their event types; a handler ``handle_<source>_<event>``
is made for each one (``reliable_handler``: retried, then dead-lettered, never dropped), and each
applies its event in the batch its worker joins (``shared.plumbing.batching``: many events per
transaction, ``use_cases.apply_batch``; one per event when a batch fails). A timer catches up from every
source's event log. RPC and HTTP serve the child view and the indicators, each to a verified caller
with the right and the area (``shared.kit.access``); the reporting service calls the producers'
event logs with its own service token (``EventLogs``).
"""

import logging
from functools import partial

from nameko.dependency_providers import Config
from nameko.web.handlers import http

from services.reporting import (
    http_views,
    index_page,
    programme,
    published_page,
    publishing,
    rebuild,
    report_downloads,
    schemas,
    use_cases,
)
from services.reporting.catalogue import CATALOGUE_EXTRA_KEY, Catalogue, catalogue
from services.reporting.dashboard import dashboard_response
from services.reporting.dashboard_missing import missing_response
from services.reporting.indicators import compute_indicators, resolve_area
from services.reporting.migrations import SCHEMA
from services.reporting.orm import AuditEntry, ChildView
from services.reporting.report_page import HTML
from services.reporting.repository import ReportingRepository
from services.reporting.sources.education.view import education_section
from services.reporting.sources.health.view import health_section
from services.reporting.sources.package import missing as package_missing
from services.reporting.sources.protection.view import (
    audit_protection_read,
    protection_read,
    protection_section,
)
from services.reporting.sources.referrals.view import referral_rows, referral_section
from services.reporting.sources.registry import not_registered
from shared.contracts import SOURCES, event_types
from shared.contracts.fields import load
from shared.exceptions import Forbidden, NotFound, Unauthenticated, ValidationFailed, http_headers
from shared.kit import audit
from shared.kit.access import guarded, require_area
from shared.kit.identity import Caller, Identity
from shared.plumbing import operations
from shared.plumbing.batching import EventBatches
from shared.plumbing.config_keys import CATCH_UP_INTERVAL_KEY, REPORT_COUNT_CACHE_KEY
from shared.plumbing.consumer import DeadLetters, RetiredQueues, add_event_handlers
from shared.plumbing.db import Database
from shared.plumbing.event_logs import UNREACHABLE, EventLogs, fetch_page, unreachable
from shared.plumbing.metrics import RpcMetrics, count_catch_ups, service_metrics
from shared.plumbing.timers import configured_timer
from shared.rules.admin_units import admin_units
from shared.rules.clock import today, vietnam_today

_log = logging.getLogger(__name__)
EXPECTED = (ValidationFailed, NotFound)
# Handler queues of the version before sources were named in handler names (handle_<event_type>).
RETIRED_QUEUES = tuple(
    f"evt-registry-{event_type}--reporting.handle_{event_type}{suffix}"
    for event_type in ("birth_registered", "residence_changed", "insurance_card_issued",
                       "death_recorded", "record_voided") for suffix in ("", ".retry"))


class ReportingService(operations.OperationsEndpoints, programme.ProgrammeEndpoints):
    name = "reporting"

    db = Database(SCHEMA)
    event_logs = EventLogs(SOURCES)
    park = DeadLetters()
    batches = EventBatches()
    retired_queues = RetiredQueues(RETIRED_QUEUES)
    metrics = RpcMetrics()
    caller = Caller()
    config = Config()

    @guarded("read:child", expected_exceptions=(*EXPECTED, Forbidden), sensitive_arguments=("child_id",))
    def child_view(self, child_id: str) -> dict:
        """One child across sectors, for a caller whose areas hold the child's commune; its
        protection section and its referrals to, from or about protection only for a protection
        officer of its communes, and that read audited. A child known provisionally says so
        (``provisional``, ``met_by``: withheld, as None, when protection met it and the caller is no
        protection officer of its commune); ``merged_ids`` lists the provisional ids merged into it.
        Asked for a provisional id merged into a child, it answers that child (its ``child_id``),
        with ``asked_for`` naming the id asked for."""
        child_id = load(schemas.ChildQuerySchema, {"child_id": child_id})["child_id"]
        repo = ReportingRepository(self.db)
        now = repo.merged_into(child_id)
        view = repo.get_view(now or child_id)
        if view is None:
            raise NotFound(f"No view for child {child_id}.")
        who = self.caller.identity
        require_area(who, view.commune_code, view.map_version or today(), f"Child {child_id}")
        asked = {"asked_for": child_id} if now else {}
        shown = {**schemas.ChildViewSchema().dump(view), **asked, **sections(repo, view, who)}
        return {**shown, **not_registered.met_shown(view.met_by, shown["met_on"], who, view.commune_code,
                                     view.map_version or today())}

    @guarded("read:audit_log", expected_exceptions=(*EXPECTED, Forbidden))
    def audit_log(self, child_id: str | None = None) -> list[dict]:
        """Who read which child's protection data in a child view, when and why: for auditors."""
        query = load(audit.AuditQuerySchema, {"child_id": child_id})
        return audit.read_log(self.db, AuditEntry, self.caller.identity, query["child_id"])

    def refused(self, method: str, args: tuple, kwargs: dict, refusal: Exception, ran: bool) -> None:
        """Audit a refused child view or list of children missing the package (no valid token, no
        right to read a child, or a child or commune outside the caller's areas), and a refused
        programme call (``programme.AUDITED``)."""
        if method in programme.AUDITED:
            return self.programme_refused(method, args, kwargs, refusal)
        if method not in ("child_view", "children_missing_package", "children_not_registered"):
            return
        who = None if isinstance(refusal, Unauthenticated) else self.caller.identity
        if method == "children_not_registered":
            return audit.record_read(self.db, AuditEntry, who, not_registered.ACTION, audit.REFUSED)
        if method == "children_missing_package":
            return audit.record_read(self.db, AuditEntry, who, package_missing.ACTION, audit.REFUSED)
        child_id = kwargs.get("child_id", args[0] if args else None)
        audit.record_read(self.db, AuditEntry, who, "read_child_view", audit.REFUSED,
                          child_id[:32] if isinstance(child_id, str) else None)

    @guarded("read:indicators", expected_exceptions=(*EXPECTED, Forbidden))
    def indicators(self, area_code: str, as_of: str, period: dict | str | None = None,
                   by_commune: bool = False, by: list[str] | None = None) -> dict:
        """The plan's figures for an area inside the caller's areas, on ``as_of``; ``period`` a
        ``{start, end}`` or a spec (``2026-Q2``); ``by`` the breakdowns (``breakdowns.BY_CHOICES``)."""
        query = load(schemas.IndicatorsQuerySchema, {"area_code": area_code, "as_of": as_of,
                                                     "period": period, "by_commune": by_commune,
                                                     "by": by or []})
        units = admin_units()
        area = resolve_area(query["area_code"], query["as_of"], units)
        require_area(self.caller.identity, area.code, area.map_version, f"Area {area.code}")
        keep = str(self.config.get(REPORT_COUNT_CACHE_KEY, True)).lower() not in ("false", "0", "off", "no")
        report = compute_indicators(ReportingRepository(self.db, keep), area, query["as_of"],
                                    query["period"]["start"], query["period"]["end"], units,
                                    query["by_commune"], tuple(query["by"]), self.declared())
        self.db.commit()  # the communes' counts it kept (a short write after the read)
        return report

    @guarded("publish:reports", expected_exceptions=(*EXPECTED, Forbidden))
    def publish_report(self, area_code: str, period: dict, as_of: str | None = None) -> dict:
        """Keep the area's report for a closed period as published: version n, by the caller, now."""
        return publishing.publish(self.db, self.caller.identity, area_code, period, as_of)

    @guarded("read:indicators", expected_exceptions=(*EXPECTED, Forbidden))
    def published_reports(self, area_code: str) -> list[dict]:
        """The versions published for an area inside the caller's areas, by period then version."""
        return publishing.listed(self.db, self.caller.identity, area_code)

    @guarded("read:indicators", expected_exceptions=(*EXPECTED, Forbidden))
    def published_report(self, report_id: str, compare: str | None = "now") -> dict:
        """The report as published; with ``compare="now"`` also as now, and what changed."""
        return publishing.read(self.db, self.caller.identity, report_id, compare)

    @guarded("read:child", expected_exceptions=(*EXPECTED, Forbidden))
    def children_missing_package(self, commune_code: str, as_of: str, component: str | None = None,
                                 period: dict | None = None) -> list[dict]:
        """The commune's children 0-8 missing a component of the age-appropriate package on ``as_of``
        (all, or ``component``), for a caller whose areas hold the commune; audited."""
        return package_missing.children_missing(ReportingRepository(self.db), self.caller.identity,
                                                commune_code, as_of, component, period)

    @guarded("read:child", expected_exceptions=(*EXPECTED, Forbidden))
    def children_not_registered(self, commune_code: str, as_of: str) -> list[dict]:
        """The commune's children known only provisionally on ``as_of`` (not registered, not linked):
        civil registration's list (``sources.registry.not_registered``); audited."""
        return not_registered.children_not_registered(ReportingRepository(self.db), self.caller.identity,
                                                      commune_code, as_of)

    @http("GET", "/children/not-registered.csv")
    def get_children_not_registered(self, request) -> tuple:
        """``?commune=…&as_of=…``: the list as CSV."""
        self.caller.use_header(request.headers.get("Authorization"))
        return not_registered.csv_not_registered(request.args, self.children_not_registered)

    @http("GET", "/package/missing")
    def get_children_missing_package(self, request) -> tuple:
        """``?commune=…&as_of=…[&component=…]``: the list as CSV."""
        self.caller.use_header(request.headers.get("Authorization"))
        return package_missing.csv_missing(request.args, self.children_missing_package)

    @guarded("operate", expected_exceptions=EXPECTED)
    def catch_up(self, source: str | None = None) -> dict:
        """Apply what the producers' event logs hold past the positions last read (every source
        when ``source`` is None); one result per source."""
        return self.catch_up_sources(load(schemas.CatchUpSchema, {"source": source})["source"])

    def catch_up_sources(self, source: str | None = None) -> dict:
        results = {}
        for name in [source] if source else SOURCES:
            fetch = partial(fetch_page, self.event_logs[name])
            try:
                results[name] = use_cases.catch_up(self.db, name, fetch, service_metrics(self.name),
                                                   self.park)
            except UNREACHABLE as error:  # that producer is down or stuck: the others are still read
                self.db.rollback()
                results[name] = unreachable(name, error)
                use_cases.note_unreachable(self.db, name, results[name]["unreachable"])
        count_catch_ups(self.name, results)
        return results

    @guarded("operate", expected_exceptions=EXPECTED)
    def rebuild_view(self) -> dict:
        """Rebuild the projection from every source's whole event log (``rebuild``: bulk writes into
        new tables, which replace the old ones once written; the old view answers until then), then
        catch up with what came since; ``{events, rows, refused, positions, catch_up}``. PostgreSQL
        only; a source that cannot be read stops it before anything is replaced."""
        fetches = {name: partial(fetch_page, self.event_logs[name]) for name in SOURCES}
        done = rebuild.rebuild(self.db, fetches)
        return {**done, "catch_up": self.catch_up_sources()}

    @configured_timer(CATCH_UP_INTERVAL_KEY, 60)
    def catch_up_periodically(self) -> None:
        self.catch_up_sources()

    @guarded("operate")
    def view_stats(self) -> dict:
        return ReportingRepository(self.db).stats()

    @http("GET", "/indicators")
    def get_indicators(self, request) -> tuple:
        """JSON by default; ``format=html`` gives the page an officer opens in a browser (with the
        token as ``Authorization: Bearer``)."""
        self.caller.use_header(request.headers.get("Authorization"))
        return http_views.indicators_response(request.args, self.indicators, self.declared())

    def declared(self) -> Catalogue:
        """The indicator catalogue, with the province's own entries when configured."""
        extra = self.config.get(CATALOGUE_EXTRA_KEY)
        return catalogue(extra if isinstance(extra, str) and extra else None)

    @http("GET", "/reports/published/<report_id>")
    def get_published_report(self, request, report_id: str) -> tuple:
        """``view=published|now|diff``, JSON or ``format=html`` (token as ``Authorization: Bearer``)."""
        self.caller.use_header(request.headers.get("Authorization"))
        return published_page.published_response(request.args, report_id, self.published_report)

    @http("GET", "/reports/<area>/<period>.xlsx")
    def get_report_workbook(self, request, area: str, period: str) -> tuple:
        """The area's report for a period spec as an Excel workbook (``report_downloads``)."""
        self.caller.use_header(request.headers.get("Authorization"))
        return report_downloads.respond(request.args, area, period, "xlsx", self.indicators, self.declared())

    @http("GET", "/reports/<area>/<period>.csv")
    def get_report_csv(self, request, area: str, period: str) -> tuple:
        """The same figures as one CSV file (``report_downloads``)."""
        self.caller.use_header(request.headers.get("Authorization"))
        return report_downloads.respond(request.args, area, period, "csv", self.indicators, self.declared())

    # The index an officer opens first (issue 17).
    @http("GET", "/")
    def get_index(self, request) -> tuple:
        """What the token's rights and areas allow, as links; a 401 page saying how to get and send
        a token without one."""
        try:
            who = self.caller.use_header(request.headers.get("Authorization")).identity
        except Unauthenticated as refusal:
            return 401, {**HTML, **http_headers(refusal)}, index_page.render_sign_in(str(refusal))
        page = index_page.render_index(who, vietnam_today(), admin_units(),
                                       lambda codes: publishing.listed_for(self.db, who, codes))
        self.db.rollback()
        return 200, HTML, page

    # The officer's dashboard (issue 17): pages over the indicators and the list of children missing.
    @http("GET", "/dashboard")
    def get_dashboard(self, request) -> tuple:
        """``?area=…&as_of=…&period=…``: the headline, a chart per sector, the communes ranked (token as
        ``Authorization: Bearer``; ``area`` defaults to the token's one area, ``as_of`` to today)."""
        self.caller.use_header(request.headers.get("Authorization"))
        return dashboard_response(request.args, self.caller, self.indicators, self.declared())

    @http("GET", "/dashboard/missing")
    def get_dashboard_missing(self, request) -> tuple:
        """``?commune=…&as_of=…[&component=…]``: the commune's children missing a part, as a page."""
        self.caller.use_header(request.headers.get("Authorization"))
        return missing_response(request.args, self.children_missing_package)

    def _project(self, body: dict) -> str | None:
        """Apply the body in the batch being gathered (``shared.plumbing.batching``); ALREADY_APPLIED
        when it had been."""
        return self.batches(body, partial(use_cases.apply_batch, self.db, metrics=service_metrics(self.name)))



def sections(repo: ReportingRepository, view: ChildView, who: Identity) -> dict:
    """The sectors' sections of a child view; the protection data in it (cases, episodes, referrals
    to, from or about protection) shown or withheld by one decision, and audited once."""
    on, protection, referred = today(), protection_read(repo, view, who), referral_rows(repo, view)
    audit_protection_read(repo, view, who, protection, more=any(r.protected for r in referred))
    return {"health": health_section(repo, view, on), "education": education_section(repo, view, on),
            "protection": protection_section(protection, on),
            "referrals": referral_section(referred, protection.allowed, on)}


add_event_handlers(ReportingService, [(source, event_type) for source in SOURCES
                                      for event_type in event_types(source)],
                   "_project", "Apply {source}'s {event_type} event (retried, then dead-lettered).")
