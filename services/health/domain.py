"""Health's rules on one command, pure: which antigens and doses the schedule knows.

Dates and communes are checked as in every sector (``shared.kit.checks``). A record is refused
(``Errors`` naming the field) when the schedule has no such antigen or dose. A dose given too early
or too soon is NOT refused: it is stored and judged invalid (``shared.rules.epi``), as WHO counts doses.
"""

from shared.kit.checks import Errors
from shared.rules import epi


def check_dose(antigen: str, dose: int, plan: epi.Schedule) -> Errors:
    if antigen not in plan.antigens():
        return {"antigen": [f"Unknown antigen {antigen!r}; the schedule has {', '.join(plan.antigens())}."]}
    if not plan.knows(antigen, dose):
        return {"dose": [f"The schedule has no dose {dose} of {antigen}."]}
    return {}
