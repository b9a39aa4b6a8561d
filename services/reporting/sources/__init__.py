"""One projection per source: how a child's facts from that source shape reporting's tables.

``PROJECTIONS[source](repo, child_id, facts, event_type, units)`` rewrites what that source owns
for one child (its columns of the view, its period tables) from ALL the child's live facts of that
source, so the result is the same in any arrival order and after any void. A new sector adds a
module here and its entry below (and, if it reads another source's facts, its ``REPROJECT``
entries); the handlers, catch-up and fact store need no change.
"""

from collections.abc import Callable

from services.reporting.sources.education import projection as education
from services.reporting.sources.health import projection as health
from services.reporting.sources.protection import projection as protection
from services.reporting.sources.registry import projection as registry
from shared.contracts import SOURCES

Projection = Callable[..., None]
PROJECTIONS: dict[str, Projection] = {"registry": registry.project, "health": health.project,
                                      "education": education.project, "protection": protection.project}
# Events of one source that change how another source's facts read (health judges doses and
# measurements against the registry's birth date and sex): that source's projection runs again.
REPROJECT: dict[tuple[str, str], tuple[str, ...]] = {
    ("registry", "birth_registered"): ("health",),
    ("registry", "record_voided"): ("health",),
}

assert set(PROJECTIONS) == set(SOURCES), "every source in shared.contracts needs a projection"
