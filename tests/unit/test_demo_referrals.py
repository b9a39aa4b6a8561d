"""The demo's referral loop on two fake sectors: all ✓ the first time, the same writes and a completed
referral at every read the second time, and the first step that differs stops the walk with its ✗."""

from shared.exceptions import Conflict, NotFound
from tools import demo_referrals as loop


class Sectors:
    """Health and education as the loop calls them: the writes answer as the kit does (a retried
    record_id answers the same), and each list shows the one referral as it folds."""

    def __init__(self, delivers: bool = True) -> None:
        self.referral: dict | None = None
        self.answers: dict[str, dict] = {}
        self.delivers = delivers  # False: the referral never reaches education
        self.health, self.education = self._Side(self, "health"), self._Side(self, "education")

    class _Side:
        def __init__(self, sectors: "Sectors", name: str) -> None:
            self.sectors, self.name = sectors, name

        def _write(self, record: dict, state: str, **changes) -> dict:
            if record["record_id"] not in self.sectors.answers:
                if self.sectors.referral is None and state != "sent":
                    raise NotFound(f"referral_id: no referral {record['referral_id']} was sent to education")
                self.sectors.referral = {**(self.sectors.referral or {}), "state": state, **changes}
                self.sectors.answers[record["record_id"]] = {"status": "accepted", "state": state,
                                                             "referral_id": record["referral_id"],
                                                             "due_on": loop.DUE_ON}
            return self.sectors.answers[record["record_id"]]

        def refer_child(self, record):
            return self._write(record, "sent", referral_id=f"health:{record['referral_id']}",
                               from_sector="health", due_on=loop.DUE_ON, outcome=None, closed_on=None,
                               decline_reason=None)

        def accept_referral(self, record):
            return self._write(record, "accepted")

        def complete_referral(self, record):
            return self._write(record, "completed", outcome=record["outcome"],
                               closed_on=record["completed_on"])

        def referral_inbox(self, commune_code, as_of=None):
            delivered = self.sectors.referral and self.sectors.delivers
            return [dict(self.sectors.referral)] if delivered else []

        def referrals_sent(self, commune_code, as_of=None):
            return [dict(self.sectors.referral)] if self.sectors.referral else []


def test_the_loop_closes_and_a_second_walk_reads_it_completed_at_every_step():
    sectors = Sectors()
    steps, earlier = loop.walk(sectors.health, sectors.education, wait=0)
    lines, closed = loop.lines(steps, earlier)
    assert (closed, earlier) == (True, None)
    assert [step.got for step in steps] == [
        "sent, due 2026-06-19", "sent, from health, due 2026-06-19", "accepted", "accepted", "completed",
        "completed (service_delivered on 2026-06-10)"]
    assert lines[-1] == "✓ The loop closed: all 6 steps as expected."
    again, earlier = loop.walk(sectors.health, sectors.education, wait=0)
    lines, closed = loop.lines(again, earlier)
    assert (closed, earlier, len(sectors.answers)) == (True, "completed", 3)  # nothing new stored
    assert [step.got for step in again][1:4] == [
        "completed (service_delivered on 2026-06-10), from health, due 2026-06-19", "accepted",
        "completed (service_delivered on 2026-06-10)"]
    assert "(walked by an earlier run" in lines[1]


def test_the_first_step_that_differs_gets_its_cross_and_the_rest_are_not_walked():
    sectors = Sectors(delivers=False)
    steps, earlier = loop.walk(sectors.health, sectors.education, wait=0)
    lines, closed = loop.lines(steps, earlier)
    assert not closed
    assert lines[2] == ("  ✗ 2 education.referral_inbox(03388) lists it                     → expected "
                        "sent, from health, due 2026-06-19, got not listed")
    assert [line[:5] for line in lines[3:7]] == ["  - 3", "  - 4", "  - 5", "  - 6"]
    assert lines[-1] == "✗ The loop did not close: step 2 of 6 differs (the ✗ line above)."


def test_a_typed_refusal_is_what_the_step_showed():
    def refused(record):  # someone used the demo's referral id for a referral of their own
        raise Conflict("referral_id: demo-referral-9 already names another referral.")

    sectors = Sectors()
    sectors.health.refer_child = refused
    steps, _ = loop.walk(sectors.health, sectors.education, wait=0)
    assert steps[0].got == "Conflict: referral_id: demo-referral-9 already names another referral."
    assert [step.got for step in steps[1:]] == [None] * 5
