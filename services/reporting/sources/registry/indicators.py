"""The registry's counts for an area on a date (BRIEF section 9, indicators 4-6): births in the
period and those registered on time, registered children under 5 and under 6 living in the area on
``as_of``, and those under 6 with a card valid that day; the children known only provisionally
(recorded by a sector, not registered by ``as_of``: issue 18), and those of them past the
registration deadline (``shared.rules.registration``). The figures made of them are declared in
``catalogue.yaml``."""

from datetime import date
from typing import Any

from sqlalchemy import and_, or_

from services.reporting import repository as q
from services.reporting.orm import ChildView
from shared.rules.epi import add_months


def conditions(as_of: date, start: date, end: date) -> dict[str, Any]:
    """Which children each count takes (the decisions for children known only provisionally,
    issue 18, are written beside each figure in ``catalogue.yaml``)."""
    late_unregistered = and_(q.not_registered_on(as_of), q.past_registration_deadline(as_of))
    births = and_(q.born_between(start, end), or_(q.registered_by(as_of), late_unregistered))
    living = and_(q.registered_by(as_of), q.alive_on(as_of), ChildView.date_of_birth <= as_of)
    under5 = and_(living, q.born_after(add_months(as_of, -60)))
    under6 = and_(living, q.born_after(add_months(as_of, -72)))
    unregistered = and_(q.not_registered_on(as_of), q.alive_on(as_of), ChildView.date_of_birth <= as_of)
    return {"births": births, "births_on_time": and_(births, q.on_time()), "under5": under5,
            "under6": under6, "under6_card": and_(under6, q.card_valid_on(as_of)),
            "not_registered": unregistered,
            "not_registered_late": and_(unregistered, q.past_registration_deadline(as_of))}
