"""Vietnamese names for matching: folding (Đ included), Vietnamese order and its swaps, common middle
names, and the newborn label read as the mother's name."""

import pytest

from shared.rules.vn_names import (
    accented,
    common_middle_names,
    family_names,
    fold,
    mother_label,
    name_of,
    parse,
)


def test_folding_drops_every_vietnamese_diacritic_and_makes_d_of_the_barred_d():
    assert fold("Nguyễn Thị Ánh Tuyết") == "nguyen thi anh tuyet"
    assert fold("ĐẶNG Đức Đạt") == "dang duc dat"
    assert fold("Lò  Thị\tMỷ ") == "lo thi my"


def test_the_accented_form_keeps_the_diacritics_lower_case_and_spaces_collapsed():
    assert accented("  NGUYỄN   Văn An ") == "nguyễn văn an"
    assert accented("Nguye\u0302\u0303n") == "nguyễn"  # decomposed input is composed again


def test_a_name_is_read_family_middle_given():
    name = name_of("Nguyễn Thị Thu Hà")
    assert (name.family, name.middles, name.given) == ("nguyen", ("thi", "thu"), "ha")
    assert name.words == ("nguyễn", "thị", "thu", "hà")
    assert name.swapped is False


@pytest.mark.parametrize("written", ["Lan Nguyễn Thị", "Lan Thị Nguyễn", "lan nguyen thi"])
def test_a_name_written_given_first_is_read_again_from_its_family_name(written):
    name = name_of(written)
    assert (name.family, name.given, name.swapped) == ("nguyen", "lan", True)


def test_ethnic_minority_family_names_of_the_northern_mountains_are_known():
    assert {"lo", "luong", "quang", "giang", "sung", "thao", "tan", "phan", "deo", "ho"} <= family_names()
    assert name_of("Páo Giàng A").folded == ("giang", "a", "pao")


def test_common_middle_names_are_listed_folded():
    assert {"van", "thi", "duc", "huu", "ngoc", "minh"} <= common_middle_names()


@pytest.mark.parametrize("label", [
    "con của Lò Thị Mai", "con cua lo thi mai", "CCM Lò Thị Mai", "con bà Lò Thị Mai", "con chị Lò Thị Mai",
    "con mẹ Lò Thị Mai", "bé gái con của Lò Thị Mai", "Bé trai con của Lò Thị Mai", "CON CỦA LÒ THỊ MAI",
])
def test_the_newborn_label_names_the_mother(label):
    parsed = parse(label)
    assert parsed.label is True
    assert parsed.name is None
    assert parsed.mother.folded == ("lo", "thi", "mai")


def test_a_label_keeps_the_mothers_name_accented_when_it_was_typed_so():
    assert mother_label("con của Lò Thị Mai") == "lò thị mai"
    assert mother_label("Lò Thị Mai") is None
    assert parse("con của").label is True and parse("con của").mother is None


def test_a_name_that_merely_starts_like_a_label_word_is_a_name():
    assert parse("Cà Văn Con").name.folded == ("ca", "van", "con")
    assert parse("").name is None and parse(None).label is False


def test_the_look_alike_eth_of_legacy_encodings_folds_like_the_barred_d():
    assert fold("ÐẶNG Ðức ðạt") == "dang duc dat"
    assert name_of("Ðỗ Văn An").folded == name_of("Đỗ Văn An").folded == ("do", "van", "an")


@pytest.mark.parametrize("family", ["Lâm", "Mai", "Tô", "Quách", "La", "Kiều", "Khổng", "Thái", "Tạ", "Triệu",
                                    "Đoàn", "Đinh", "Trương", "Lương", "Cao", "Văn", "Chu", "Hà", "Tăng",
                                    "Lưu", "Tôn"])
def test_less_common_family_names_are_known_so_their_names_are_not_read_as_swapped(family):
    name = name_of(f"{family} Hoàng Nam")
    assert (name.folded[0], name.swapped) == (fold(family), False)


@pytest.mark.parametrize("label", ["con ông Lò Văn Páo", "con anh Lò Văn Páo", "con của ông Lò Văn Páo",
                                   "bé trai con ông Lò Văn Páo", "CON ONG LO VAN PAO"])
def test_a_label_by_the_father_names_the_father_never_the_mother(label):
    parsed = parse(label)
    assert (parsed.name, parsed.mother, parsed.label, parsed.father.folded) == (
        None, None, True, ("lo", "van", "pao"))
    assert mother_label(label) is None
