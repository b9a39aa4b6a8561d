"""Factories: valid commands with overrides, personal ids that pass the rules, envelopes."""

import itertools
from datetime import date, timedelta
from typing import Any

from shared.contracts.events import make_envelope

_serial = itertools.count(1)
LAI_CHAU = "012"  # legacy province prefix of Lai Châu
COMMUNE = "03388"  # Phường Quyết Tiến (legacy map), Phường Đoàn Kết (2025 map): Lai Châu


def personal_id(sex: str = "female", born: date = date(2024, 3, 1), prefix: str = LAI_CHAU,
                serial: int | None = None) -> str:
    century_sex = (born.year // 100 - 19) * 2 + (1 if sex == "female" else 0)
    number = next(_serial) if serial is None else serial
    return f"{prefix}{century_sex}{born.year % 100:02d}{number:06d}"


def _as_date(value: Any, default: date) -> date:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:  # a deliberately malformed date: keep the id valid for the default
        return default


def make_birth(**overrides: Any) -> dict[str, Any]:
    """A valid birth (girl born 1 March 2024 in Lai Châu, registered 20 days later)."""
    raw_born = overrides.pop("date_of_birth", date(2024, 3, 1))
    born = _as_date(raw_born, date(2024, 3, 1))
    sex = overrides.get("sex", "female")
    id_sex = sex if sex in ("male", "female") else "female"  # a bad sex must not also break the id
    registered = overrides.pop("registration_date", born + timedelta(days=20))
    record = {
        "record_id": f"birth-{next(_serial)}",
        "child_id": personal_id(id_sex, born),
        "full_name": "Lò Thị Mai",
        "sex": sex,
        "date_of_birth": str(raw_born),
        "registration_date": str(registered),
        "commune_code": COMMUNE,
        "ethnicity": "Thái",
        "household_poverty": "poor",
    }
    record.update(overrides)
    return record


def make_card(child_id: str, **overrides: Any) -> dict[str, Any]:
    record = {"record_id": f"card-{next(_serial)}", "child_id": child_id,
              "card_number": f"TE{next(_serial):013d}", "issued_on": "2024-04-01",
              "valid_to": "2030-03-31"}
    record.update(overrides)
    return record


def make_move(child_id: str, **overrides: Any) -> dict[str, Any]:
    record = {"record_id": f"move-{next(_serial)}", "child_id": child_id, "commune_code": "03391",
              "moved_on": "2024-06-01"}
    record.update(overrides)
    return record


def make_death(child_id: str, **overrides: Any) -> dict[str, Any]:
    record = {"record_id": f"death-{next(_serial)}", "child_id": child_id,
              "date_of_death": "2024-09-01"}
    record.update(overrides)
    return record


def make_birth_envelope(**overrides: Any) -> dict[str, Any]:
    """A ``birth_registered`` envelope as the registry would publish it."""
    birth = make_birth(**overrides)
    born = date.fromisoformat(birth["date_of_birth"])
    registered = date.fromisoformat(birth["registration_date"])
    payload = {key: birth[key] for key in ("record_id", "full_name", "sex", "commune_code",
                                           "ethnicity", "household_poverty")}
    days = (registered - born).days
    payload.update(date_of_birth=born, registration_date=registered, map_version="legacy",
                   on_time=days <= 60, days_to_registration=days)
    return make_envelope("birth_registered", "registry", birth["child_id"], birth["commune_code"],
                         registered, payload)


def make_vaccination(child_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A first pentavalent dose given at 10 weeks to the child of ``make_birth`` (born 1 March 2024)."""
    record = {"record_id": f"vacc-{next(_serial)}", "child_id": child_id or personal_id(),
              "antigen": "dtp_hepb_hib", "dose": 1, "given_on": "2024-05-10", "commune_code": COMMUNE,
              "facility_code": "TYT-03388"}
    record.update(overrides)
    return record


def make_growth(child_id: str, **overrides: Any) -> dict[str, Any]:
    record = {"record_id": f"growth-{next(_serial)}", "child_id": child_id, "measured_on": "2024-09-01",
              "commune_code": COMMUNE, "weight_kg": 7.5, "length_height_cm": 66.0, "position": "lying"}
    record.update(overrides)
    return record


def make_screening(child_id: str, **overrides: Any) -> dict[str, Any]:
    record = {"record_id": f"screen-{next(_serial)}", "child_id": child_id, "kind": "hearing",
              "result": "normal", "screened_on": "2024-09-01", "commune_code": COMMUNE}
    record.update(overrides)
    return record


def make_health_check(child_id: str, **overrides: Any) -> dict[str, Any]:
    record = {"record_id": f"check-{next(_serial)}", "child_id": child_id, "checked_on": "2024-09-01",
              "commune_code": COMMUNE}
    record.update(overrides)
    return record


def make_enrolment(child_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A kindergarten enrolment for school year 2024-2025 (right for a child born 2019-2021)."""
    record = {"record_id": f"enrol-{next(_serial)}", "child_id": child_id or personal_id(),
              "school_code": "MG-03388", "level": "kindergarten", "school_year": "2024-2025",
              "start_date": "2024-09-05", "commune_code": COMMUNE}
    record.update(overrides)
    return record


def make_enrolment_end(enrolment_id: str, **overrides: Any) -> dict[str, Any]:
    record = {"record_id": f"end-{next(_serial)}", "enrolment_id": enrolment_id, "ended_on": "2025-01-15",
              "reason": "dropped_out"}
    record.update(overrides)
    return record


NOTE = "Hàng xóm báo: bé Mai bị cha dượng đánh; mẹ là Lò Thị Hoa."  # a note that must never leave protection


def make_case(child_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A support-level neglect case opened in commune 03388 in March 2025, with a note."""
    serial = next(_serial)
    record = {"record_id": f"case-open-{serial}", "case_id": f"CASE-{serial}",
              "child_id": child_id or personal_id(), "opened_on": "2025-03-03", "commune_code": COMMUNE,
              "level": "support", "concerns": ["neglect"], "risk": "medium", "notes": NOTE}
    record.update(overrides)
    return record


def make_case_update(case_id: str, **overrides: Any) -> dict[str, Any]:
    record = {"record_id": f"case-update-{next(_serial)}", "case_id": case_id, "updated_on": "2025-03-06",
              "plan_on": "2025-03-06", "services": ["counselling"], "notes": "Kế hoạch: thăm nhà hằng tuần."}
    record.update(overrides)
    return record


def make_case_close(case_id: str, **overrides: Any) -> dict[str, Any]:
    record = {"record_id": f"case-close-{next(_serial)}", "case_id": case_id, "closed_on": "2025-03-20",
              "outcome": "resolved"}
    record.update(overrides)
    return record


def make_special_circumstance(child_id: str, **overrides: Any) -> dict[str, Any]:
    record = {"record_id": f"sc-{next(_serial)}", "child_id": child_id, "groups": ["a"],
              "started_on": "2024-10-01", "commune_code": COMMUNE}
    record.update(overrides)
    return record


def make_allowance(child_id: str, **overrides: Any) -> dict[str, Any]:
    record = {"record_id": f"allow-{next(_serial)}", "child_id": child_id, "category": "no_support_under_4",
              "coefficient": 2.5, "started_on": "2024-11-01", "commune_code": COMMUNE}
    record.update(overrides)
    return record


def make_placement(child_id: str, **overrides: Any) -> dict[str, Any]:
    record = {"record_id": f"care-{next(_serial)}", "child_id": child_id, "form": "kinship",
              "started_on": "2024-11-01", "commune_code": COMMUNE}
    record.update(overrides)
    return record


def make_token(role: str = "protection_officer", communes: tuple[str, ...] = (COMMUNE,),
               user_id: str | None = None, purpose: str = "case_management") -> str:
    """A signed token of one user with one role in ``communes`` (codes on today's map)."""
    from tests.support.identities import token

    return token(role, areas=list(communes), user=user_id or f"{role}-1", purpose=purpose)


def make_referral(child_id: str, **overrides: Any) -> dict[str, Any]:
    """Health refers a child to education for a suspected disability (routine: 30 days)."""
    serial = next(_serial)
    record = {"record_id": f"refer-{serial}", "referral_id": f"ref-{serial}", "child_id": child_id,
              "to_sector": "education", "reason": "suspected_disability", "referred_on": "2026-03-02",
              "commune_code": COMMUNE}
    record.update(overrides)
    return record


def make_referral_payload(**overrides: Any) -> dict[str, Any]:
    """A routine referral of a child with a suspected disability from health to education, sent in
    commune 03388 on 3 March 2025; its deadline follows the rules unless given."""
    from shared.rules import referrals

    serial = next(_serial)
    record = {"record_id": f"ref-sent-{serial}", "referral_id": f"REF-{serial}", "from_sector": "health",
              "to_sector": "education", "commune_code": COMMUNE, "reason": "suspected_disability",
              "urgency": "routine", "referred_on": "2025-03-03", "rule": None}
    record.update(overrides)
    sent = _as_date(record["referred_on"], date(2025, 3, 3))
    record.setdefault("due_on", str(referrals.due_on(record["reason"], record["urgency"], sent)))
    return record


ANSWER_DETAIL = {"referral_declined": {"decline_reason": "not_this_sector"},
                 "referral_completed": {"outcome": "service_delivered"}}


def make_referral_answer_payload(referral: dict[str, Any], event_type: str = "referral_accepted",
                                 **overrides: Any) -> dict[str, Any]:
    """The receiver's answer to ``referral`` (accepted unless ``event_type`` says declined or
    completed), on the day it was sent unless given."""
    record = {"record_id": f"{event_type}-{next(_serial)}",
              **{key: referral[key] for key in ("referral_id", "from_sector", "to_sector", "commune_code")},
              "answered_on": referral["referred_on"], **ANSWER_DETAIL.get(event_type, {})}
    record.update(overrides)
    return record


def make_referral_answer(referral_id: str, answer: str, **overrides: Any) -> dict[str, Any]:
    """An answer to a referral: ``accept``, ``decline`` (not this sector) or ``complete`` (delivered)."""
    day = {"accept": "accepted_on", "decline": "declined_on", "complete": "completed_on"}[answer]
    extra = {"decline": {"decline_reason": "not_this_sector"},
             "complete": {"outcome": "service_delivered"}}.get(answer, {})
    record = {"record_id": f"{answer}-{next(_serial)}", "referral_id": referral_id, day: "2026-03-10",
              **extra}
    record.update(overrides)
    return record


def make_referral_envelope(source: str, event_type: str, child_id: str, payload: dict[str, Any]
                           ) -> dict[str, Any]:
    """A referral event as ``source`` would publish it (``referral_sent`` from the sender, the
    answers from the receiver)."""
    from shared.contracts import payload_schema

    loaded = payload_schema(source, event_type).load(payload)  # dates as dates, as a producer holds them
    day = loaded.get("referred_on") or loaded["answered_on"]
    return make_envelope(event_type, source, child_id, payload["commune_code"], day, loaded)


def make_void_envelope(source: str, child_id: str, voided: dict[str, Any], voided_event_type: str,
                       **overrides: Any) -> dict[str, Any]:
    """``source`` withdrawing its record ``voided`` (a payload it published)."""
    payload = {"record_id": f"void-{voided['record_id']}", "voided_record_id": voided["record_id"],
               "voided_event_type": voided_event_type, "reason": "entered by mistake", **overrides}
    return make_envelope("record_voided", source, child_id, voided["commune_code"], date(2025, 3, 20),
                         payload)


def make_provisional_child(**overrides: Any) -> dict[str, Any]:
    """A newborn health met on the day of its birth (1 March 2024), known by the newborn label."""
    record = {"record_id": f"prov-{next(_serial)}", "full_name": "con của Lò Thị Mai", "sex": "female",
              "date_of_birth": "2024-03-01", "mother_name": "Lò Thị Mai", "commune_code": COMMUNE,
              "facility_code": "TYT-03388", "recorded_on": "2024-03-01"}
    record.update(overrides)
    return record
