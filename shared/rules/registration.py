"""Birth registration's deadline (Civil Status Law 2014 art. 15; BRIEF section "Birth registration"):
a birth is registered on time when registered at most ``ON_TIME_DAYS`` after the date of birth.

The registry judges ``on_time`` when it registers a birth; reporting needs the same deadline for
the children it knows only provisionally (not yet registered: has their deadline passed?).
"""

from datetime import date, timedelta

ON_TIME_DAYS = 60


def deadline(born: date) -> date:
    """The last day a birth on ``born`` is registered on time."""
    return born + timedelta(days=ON_TIME_DAYS)


def past_deadline(born: date, on: date) -> bool:
    return on > deadline(born)
