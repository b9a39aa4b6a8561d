"""The registry's matching after a birth skips the birth's block when it holds no live provisional
child (most births): nothing to score, no link to doubt, and the birth itself is not read."""

from datetime import date, timedelta
from unittest.mock import Mock

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.registry import matcher
from services.registry.orm import Child, ProvisionalChild, RegistryBase
from services.registry.repository import RegistryRepository
from shared.rules.matching import blocking_window_days
from tests.support.factories import personal_id

BORN = date(2024, 3, 1)
WARD = "03388"


@pytest.fixture
def repo():
    engine = create_engine("sqlite://")
    RegistryBase.metadata.create_all(engine)
    with Session(engine) as session:
        yield RegistryRepository(session)


def registered(repo: RegistryRepository, ward: str | None = WARD) -> str:
    child_id = personal_id(born=BORN)
    repo.session.add(Child(child_id=child_id, birth_record_id=f"birth-{child_id}", date_of_birth=BORN,
                           ward=ward))
    repo.session.commit()
    return child_id


def provisional(repo: RegistryRepository, born: date = BORN, ward: str = WARD, voided: bool = False) -> None:
    repo.session.add(ProvisionalChild(
        provisional_id=f"P{born:%Y%m%d}{ward}{voided:d}", source="health", record_id="prov-1",
        full_name="con của Lò Thị Mai", sex="female", date_of_birth=born, commune_code=WARD,
        map_version="current", ward=ward, recorded_on=born, voided=voided))
    repo.session.commit()


def test_a_birth_alone_in_its_block_has_nobody_to_match(repo):
    child_id = registered(repo)
    window = timedelta(days=blocking_window_days())
    provisional(repo, born=BORN + window + timedelta(days=1))
    provisional(repo, born=BORN - window - timedelta(days=1))
    provisional(repo, ward="00001")
    provisional(repo, voided=True)
    assert matcher.nobody_to_match(repo, child_id) is True


@pytest.mark.parametrize("days", [0, blocking_window_days(), -blocking_window_days()])
def test_a_live_provisional_child_of_the_ward_born_within_the_window_is_someone_to_match(repo, days):
    child_id = registered(repo)
    provisional(repo, born=BORN + timedelta(days=days))
    assert matcher.nobody_to_match(repo, child_id) is False


def test_a_child_not_found_or_without_a_ward_takes_the_full_path(repo):
    assert matcher.nobody_to_match(repo, personal_id(born=BORN)) is False
    assert matcher.nobody_to_match(repo, registered(repo, ward=None)) is False


def test_matching_a_birth_alone_in_its_block_reads_nothing_more_and_leaves_no_transaction_open(
        repo, monkeypatch):
    child_id = registered(repo)
    monkeypatch.setattr(RegistryRepository, "birth_payload", Mock(side_effect=AssertionError("read")))
    service = Mock(repository=Mock(return_value=repo))
    assert matcher.look_for_matches(service, child_id) == {"linked": 0, "reviews": 0}
    service.write_by_rule.assert_not_called()
    assert repo.session.in_transaction() is False
