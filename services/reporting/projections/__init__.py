"""One projection per source: how a child's facts from that source shape reporting's tables.

``PROJECTIONS[source](repo, child_id, facts, event_type, units)`` rewrites what that source owns
for one child (its columns of the view, its period tables) from ALL the child's live facts of that
source, so the result is the same in any arrival order and after any void. A new sector adds a
module here and its entry below; the handlers, catch-up and fact store need no change.
"""

from collections.abc import Callable

from services.reporting.projections import registry
from shared.contracts import SOURCES

Projection = Callable[..., None]
PROJECTIONS: dict[str, Projection] = {"registry": registry.project}

assert set(PROJECTIONS) == set(SOURCES), "every source in shared.contracts needs a projection"
