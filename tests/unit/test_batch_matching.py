"""A batch of births is matched exactly as the same births sent one by one: the same links, undone
links and reviews (``services.registry.batch_matching`` against ``matcher.after_write``), on SQLite."""

from datetime import date
from unittest.mock import Mock

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.registry.orm import IdentityLink, MatchReview, ProvisionalChild, RegistryBase
from services.registry.repository import RegistryRepository
from services.registry.service import RegistryService
from shared.plumbing.db import make_engine
from tests.support.factories import make_birth, make_provisional_child
from tests.support.identities import caller_context

HANOI = "00004"  # a commune of Hà Nội, on both maps: another ward than Lai Châu's


def a_registry(path):
    engine = make_engine(f"sqlite:///{path}")
    RegistryBase.metadata.create_all(engine)
    session = Session(engine, expire_on_commit=False)
    service = worker_factory(RegistryService, db=session, caller=caller_context(),
                             relay=Mock(claim_until=Mock(return_value=None)), config={})
    return engine, session, service


@pytest.fixture
def registries(tmp_path):
    made = [a_registry(tmp_path / "batched.db"), a_registry(tmp_path / "one_by_one.db")]
    yield [(session, service) for _, session, service in made]
    for engine, session, _ in made:
        session.close()
        engine.dispose()


def provisional_children() -> list[dict]:
    """Two labels of Lò Thị Mai's daughter born 1 March, a labelled boy, a named boy, Đinh Thị Thu's
    daughter (linked before the batch to her first twin), and a boy born the same day in Hà Nội."""
    return [make_provisional_child(),
            make_provisional_child(sex="male"),
            make_provisional_child(full_name="Lò Văn Minh", sex="male", mother_name="Hà Thị Lan",
                                   date_of_birth="2024-03-05", recorded_on="2024-03-05"),
            make_provisional_child(full_name="con của Đinh Thị Thu", mother_name="Đinh Thị Thu",
                                   date_of_birth="2024-02-10", recorded_on="2024-02-10"),
            make_provisional_child(full_name="Nguyễn Văn An", sex="male", mother_name="Trần Thị Bình",
                                   commune_code=HANOI)]


def births() -> tuple[dict, list[dict]]:
    """Thu's first twin (registered before the batch), and the batch: Lò Thị Mai's twins Hoa and Lan,
    Minh, Thu's second twin, a child nobody met, Hoa's registration sent again, and An in Hà Nội."""
    first_thu = make_birth(full_name="Đinh Thị Hà", mother_name="Đinh Thị Thu", date_of_birth="2024-02-10")
    hoa = make_birth(full_name="Lò Thị Hoa", mother_name="Lò Thị Mai")
    batch = [hoa, make_birth(full_name="Lò Thị Lan", mother_name="Lò Thị Mai"),
             make_birth(full_name="Lò Văn Minh", sex="male", mother_name="Hà Thị Lan",
                        date_of_birth="2024-03-05"),
             make_birth(full_name="Đinh Thị Hương", mother_name="Đinh Thị Thu", date_of_birth="2024-02-10"),
             make_birth(full_name="Vàng A Sử", sex="male", mother_name="Giàng Thị Mỷ",
                        date_of_birth="2024-03-02"),
             hoa,
             make_birth(full_name="Nguyễn Văn An", sex="male", mother_name="Trần Thị Bình",
                        commune_code=HANOI)]
    return first_thu, batch


def links_and_reviews(session: Session) -> tuple[list, list]:
    links = [(row.record_id, row.event_type, row.provisional_id, row.child_id, row.payload)
             for row in session.scalars(select(IdentityLink).order_by(IdentityLink.record_id))]
    reviews = [(row.review_id, row.provisional_id, row.child_id, row.score, row.levels, row.commune_code,
                row.ward, row.status) for row in session.scalars(select(MatchReview).order_by(
                    MatchReview.review_id))]
    return links, reviews


def test_a_batch_of_births_links_undoes_and_reviews_exactly_as_the_births_sent_one_by_one(registries):
    (batched_db, batched), (single_db, single) = registries
    first_thu, batch = births()
    met = provisional_children()
    for _, service in registries:
        for record in met:
            service.record_provisional_child(record)
        service.register_birth(first_thu)

    answers = batched.register_births(batch)
    for record in batch:
        single.register_birth(record)

    assert [answer["status"] for answer in answers] == ["accepted"] * 7
    links, reviews = links_and_reviews(batched_db)
    assert (links, reviews) == links_and_reviews(single_db)
    hoa, lan, minh, huong = (batch[at]["child_id"] for at in range(4))
    assert sorted((event_type, child_id) for _, event_type, _, child_id, _ in links) == sorted([
        ("identity_linked", hoa), ("identity_unlinked", hoa),  # Mai's girl label: undone for Lan
        ("identity_linked", minh), ("identity_linked", batch[6]["child_id"]),
        ("identity_linked", first_thu["child_id"]), ("identity_unlinked", first_thu["child_id"])])  # Hương
    assert [(child_id, score, status) for _, _, child_id, score, *_, status in reviews] == [
        (reviews[0][2], 10.5016, "open"),  # Mai's boy label with her girl label, before the births
        (hoa, 10.5016, "open"), (hoa, 17.2553, "open"), (lan, 17.2553, "open"), (lan, 10.5016, "open"),
        (first_thu["child_id"], 17.2553, "open"), (huong, 17.2553, "open")]


def test_a_batch_spread_over_a_thousand_wards_reads_their_blocks_in_several_queries(tmp_path):
    """SQLite refuses an expression 1,000 terms deep: one OR over every ward of such a batch failed."""
    engine, session, _ = a_registry(tmp_path / "wards.db")
    born = date(2024, 3, 1)
    session.add_all([ProvisionalChild(provisional_id=f"P{n:04d}", source="health", record_id=f"r{n}",
                                      sex="female", date_of_birth=born, commune_code=f"{n:05d}",
                                      map_version="2025", ward=f"{n:05d}", recorded_on=born)
                     for n in (0, 999)])
    session.commit()
    spans = {f"{n:05d}": (born, born) for n in range(1000)}
    found = RegistryRepository(session).provisional_in_spans(spans)
    assert [row.provisional_id for row in found] == ["P0000", "P0999"]
    session.close()
    engine.dispose()
