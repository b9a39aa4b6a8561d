"""``make demo``'s referral loop: one referral between two sectors, walked through their RPCs from
sent to completed, each step checked against the state it must leave the referral in.

At child 9's health check on 20 May 2026 (``tools.demo_commune``) the commune's health worker
suspects a disability and refers the child to education (``suspected_disability``, routine: 30 days
in ``shared/rules/data/referrals.yaml``, so due 19 June). Education finds the referral in its inbox
for the commune, accepts it on 25 May and completes it on 10 June (``service_delivered``); health
sees each answer in what it sent. Each read is asked as of the day of its step (so nothing shows as
overdue), again and again for up to ``WAIT_SECONDS``, while the write travels as an event from one
sector to the other.

The referral and its answers have fixed ids, so a second run stores nothing new: every write answers
as it did the first time, and the referral stays completed, so the reads of a loop walked before
show it completed (``walk`` first reads how far an earlier run took it, and expects no step to take
the referral back). The walk stops at the first step that differs; the steps after it are shown as
not walked. ``EVENT_COUNT`` is how many events the loop publishes for reporting: ``referral_sent``
(health), ``referral_accepted`` and ``referral_completed`` (education).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.rules import referrals
from tools import demo_commune as commune

CHILD = 9
REFERRAL_ID = f"demo-referral-{CHILD}"
LISTED_ID = f"health:{REFERRAL_ID}"  # as every sector lists it and education answers it: sender first
REASON, URGENCY = "suspected_disability", "routine"
REFERRED_ON, ACCEPTED_ON, COMPLETED_ON = "2026-05-20", "2026-05-25", "2026-06-10"
DUE_ON = "2026-06-19"  # 20 May + 30 days (routine suspected_disability)
OUTCOME = "service_delivered"
AREA = commune.DEMO_AREA
REFERRAL = {"record_id": f"{REFERRAL_ID}-sent", "referral_id": REFERRAL_ID,
            "child_id": commune.child_id(CHILD), "to_sector": "education", "reason": REASON,
            "referred_on": REFERRED_ON, "commune_code": AREA, "urgency": URGENCY}
ACCEPT = {"record_id": f"{REFERRAL_ID}-accepted", "referral_id": LISTED_ID, "accepted_on": ACCEPTED_ON}
COMPLETE = {"record_id": f"{REFERRAL_ID}-completed", "referral_id": LISTED_ID,
            "completed_on": COMPLETED_ON, "outcome": OUTCOME}
EVENT_COUNT = 3
WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class Step:
    """One step of the loop: what was done or read, what it had to show and what it showed."""

    number: int
    says: str
    expected: str
    got: str | None  # None: not walked (an earlier step differed)

    @property
    def ok(self) -> bool:
        return self.got == self.expected

    def line(self) -> str:
        if self.got is None:
            return f"  - {self.number} {self.says:<60} not walked"
        if self.ok:
            return f"  ✓ {self.number} {self.says:<60} → {self.got}"
        return f"  ✗ {self.number} {self.says:<60} → expected {self.expected}, got {self.got}"


def shown(item: dict | None, inbox: bool = False) -> str:
    """A referral as a list shows it: ``accepted``, ``completed (service_delivered on 2026-06-10)``;
    in an inbox with its sender and deadline: ``sent, from health, due 2026-06-19``."""
    if item is None:
        return "not listed"
    text = item["state"]
    if item["state"] == "completed":
        text += f" ({item['outcome']} on {item['closed_on']})"
    elif item["state"] == "declined":
        text += f" ({item['decline_reason']} on {item['closed_on']})"
    return f"{text}, from {item['from_sector']}, due {item['due_on']}" if inbox else text


def expected_item(state: str) -> dict:
    """The demo referral as a list must show it once it is in ``state``."""
    return {"state": state, "outcome": OUTCOME, "decline_reason": None, "closed_on": COMPLETED_ON,
            "from_sector": "health", "due_on": DUE_ON}


def find(rows: list[dict]) -> dict | None:
    return next((row for row in rows if row["referral_id"] == LISTED_ID), None)


def walk(health: Any, education: Any, wait: float = WAIT_SECONDS) -> tuple[list[Step], str | None]:
    """Walk the loop through the two services' RPC proxies: its steps, and the state an earlier run
    had left the referral in (None: never sent)."""
    from shared.exceptions import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed

    typed = (ValidationFailed, NotFound, Conflict, Forbidden, Unauthenticated)
    before = find(health.referrals_sent(AREA, as_of=REFERRED_ON))
    earlier = before["state"] if before else None
    steps: list[Step] = []

    def after(state: str) -> str:  # no step takes the referral back from where it already is
        return referrals.fold([state, earlier] if earlier else [state])

    def step(says: str, expected: str, do: Callable[[], str]) -> None:
        if steps and not steps[-1].ok:
            steps.append(Step(len(steps) + 1, says, expected, None))
            return
        try:
            got = do()
        except typed as error:  # a typed refusal is what this step showed
            got = f"{type(error).__name__}: {error}"
        steps.append(Step(len(steps) + 1, says, expected, got))

    def read(method: Callable, on: str, expected: str, inbox: bool = False) -> str:
        deadline = time.monotonic() + wait
        while True:
            got = shown(find(method(AREA, as_of=on)), inbox)
            if got == expected or time.monotonic() >= deadline:
                return got
            time.sleep(0.2)

    step(f"health.refer_child: child {CHILD}, {REASON}, {REFERRED_ON}", f"sent, due {DUE_ON}",
         lambda: f"sent, due {health.refer_child(REFERRAL)['due_on']}")
    inbox = shown(expected_item(after("sent")), inbox=True)
    step(f"education.referral_inbox({AREA}) lists it", inbox,
         lambda: read(education.referral_inbox, REFERRED_ON, inbox, inbox=True))
    step(f"education.accept_referral: {ACCEPTED_ON}", "accepted",
         lambda: education.accept_referral(ACCEPT)["state"])
    accepted = shown(expected_item(after("accepted")))
    step(f"health.referrals_sent({AREA}) shows it", accepted,
         lambda: read(health.referrals_sent, ACCEPTED_ON, accepted))
    step(f"education.complete_referral: {COMPLETED_ON}, {OUTCOME}", "completed",
         lambda: education.complete_referral(COMPLETE)["state"])
    completed = shown(expected_item("completed"))
    step(f"health.referrals_sent({AREA}) shows it", completed,
         lambda: read(health.referrals_sent, COMPLETED_ON, completed))
    return steps, earlier


def lines(steps: list[Step], earlier: str | None) -> tuple[list[str], bool]:
    """The loop as the demo prints it, its verdict, and whether every step showed what it had to."""
    out = [f"One referral loop, health → education, through the RPCs (tools/demo_referrals.py), "
           f"{LISTED_ID}:"]
    if earlier:
        out.append(f"  (walked by an earlier run: each write answers as then and stores nothing; the "
                   f"referral stays {earlier})")
    out += [step.line() for step in steps]
    wrong = next((step for step in steps if not step.ok), None)
    out.append(f"✓ The loop closed: all {len(steps)} steps as expected." if wrong is None else
               f"✗ The loop did not close: step {wrong.number} of {len(steps)} differs (the ✗ line above).")
    return out, wrong is None
