"""Health tables: every accepted command as a record (the sector kit's), the outbox, and health's own
minimal copy of the registry (the registry's facts and, folded from them, one row per child)."""

from sqlalchemy.orm import DeclarativeBase

from shared.kit.audit import AuditEntryMixin
from shared.kit.identity_links import IdentityLinkMixin
from shared.kit.records import RecordMixin
from shared.kit.referral_rules import RuleFiringMixin
from shared.kit.referral_store import ReferralFactMixin, ReferralMixin, ReferralPositionMixin
from shared.kit.registry_copy import (
    KnownChildMixin,
    RegistryFactMixin,
    RegistryPositionMixin,
)
from shared.plumbing.outbox import OutboxMixin


class HealthBase(DeclarativeBase):
    pass


class Record(HealthBase, RecordMixin):
    pass


class OutboxMessage(HealthBase, OutboxMixin):
    pass


class RegistryFact(HealthBase, RegistryFactMixin):
    pass


class KnownChild(HealthBase, KnownChildMixin):
    pass


class RegistryPosition(HealthBase, RegistryPositionMixin):
    pass


class IdentityLink(HealthBase, IdentityLinkMixin):
    """The registry's links of provisional ids to the children they are (and unlinks)."""


class AuditEntry(HealthBase, AuditEntryMixin):
    """Who was refused a read of a child's data here, when and why (``shared.kit.audit``)."""


class ReferralFact(HealthBase, ReferralFactMixin):
    pass


class Referral(HealthBase, ReferralMixin):
    pass


class ReferralPosition(HealthBase, ReferralPositionMixin):
    pass


class RuleFiring(HealthBase, RuleFiringMixin):
    """Whether an automatic referral's condition held for a child at the last look."""
