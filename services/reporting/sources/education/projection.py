"""The education projection: a child's enrolments, each with its end, as reporting counts them.

Rows are rebuilt from ALL the child's live education facts (``shared.contracts.education``), so an
end that arrives before its enrolment, a voided enrolment or a voided end read the same in any
order. Ages are not judged here: the indicators read the registry's birth date at query time.
"""

from services.reporting.orm import EducationEnrolment
from services.reporting.repository import EDUCATION_MODELS, ReportingRepository
from shared.contracts.education import fold_enrolments
from shared.contracts.facts import Fact
from shared.rules.admin_units import AdminUnits


def project(repo: ReportingRepository, child_id: str, facts: list[Fact], event_type: str,
            units: AdminUnits) -> None:
    rows = [{"child_id": child_id, **vars(enrolment)}  # plain values; asdict's deep copy: ~15 % of projecting
            for enrolment in fold_enrolments(facts)]
    repo.replace_rows(EDUCATION_MODELS, child_id, {EducationEnrolment: rows}, first=len(facts) == 1)
