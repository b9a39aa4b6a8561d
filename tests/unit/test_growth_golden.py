"""Golden tests: our z-scores equal values published by WHO, to 2 decimals, both sexes, 0-8 years.

Three kinds of reference, none of them our code: (1) expected values in WHO's own test suites
(R packages ``anthro`` 0-5 y and ``anthroplus`` 5-19 y, github.com/WorldHealthOrganization), (2)
WHO's published LMS rows (``weianthro.txt`` of the WHO 2006 standards) run through WHO's documented
LMS formula written out here, including the SD23 restriction beyond +/-3, and (3) the example the
domain brief measured (a 500-day-old measured standing: WHO -0.84, anthro's own answer -0.66).
"""

import math
from datetime import date, timedelta

import pytest

from shared.rules.growth import WHO2006, WHO2007, _who2006, assess

BORN = date(2020, 1, 1)


def measured(sex, age_days, weight=None, cm=None, position="lying", **kwargs):
    return assess(sex, BORN, BORN + timedelta(days=age_days), weight, cm, position, **kwargs)


# (sex, age in days, weight kg, length/height cm, position, index, WHO's z) from WHO's test suites
WHO_TEST_VALUES = [
    ("male", 987, None, 72.86, "lying", "length_height_for_age", -6.09),       # anthro test-zscores.R
    ("male", 274, None, 60.0, "standing", "length_height_for_age", -5.02),     # 9 months, +0.7 cm
    ("male", 244, None, 60.0, "standing", "length_height_for_age", -4.81),     # 8 months: no correction
    ("female", 1522, 17.0, None, "standing", "weight_for_age", 0.24),          # test-zscore-weight-for-age.R
    ("male", 44, None, 50.0, "lying", "length_height_for_age", -3.29),         # (50/56.4833-1)/0.03492
    ("female", 1836, 18.7, 113.8, "standing", "length_height_for_age", 0.96),  # anthroplus test-zscores.R
    ("female", 1836, 18.7, 113.8, "standing", "bmi_for_age", -0.58),
    ("female", 1854, 20.5, 113.6, "standing", "length_height_for_age", 0.85),
    ("female", 1854, 20.5, 113.6, "standing", "bmi_for_age", 0.42),
    ("male", 500, 9.0, 75.0, "standing", "weight_for_length_height", -0.84),   # BRIEF section 4
]


@pytest.mark.parametrize(("sex", "age", "weight", "cm", "position", "index", "expected"), WHO_TEST_VALUES)
def test_z_scores_equal_the_values_in_whos_own_tests(sex, age, weight, cm, position, index, expected):
    assert measured(sex, age, weight, cm, position).zscores[index] == expected


def who_lms_z(x, lms_l, m, s):
    """WHO's formula (Computation of centiles and z-scores, WHO 2006, ch. 7), SD23 beyond +/-3."""
    def at(z):
        return m * (1 + lms_l * s * z) ** (1 / lms_l)

    z = ((x / m) ** lms_l - 1) / (lms_l * s)
    if z > 3:
        return 3 + (x - at(3)) / (at(3) - at(2))
    if z < -3:
        return -3 + (x - at(-3)) / (at(-2) - at(-3))
    return z


# WHO weianthro.txt rows (sex 1 = boys): age in days, L, M, S
WHO_WEIGHT_ROWS = [(400, 0.0552, 9.9065, 0.10953), (500, 0.0314, 10.6125, 0.11057),
                   (730, -0.0136, 12.1482, 0.11425), (900, -0.0411, 13.2215, 0.11756)]


@pytest.mark.parametrize(("age", "lms_l", "m", "s"), WHO_WEIGHT_ROWS)
@pytest.mark.parametrize("weight", [5.0, 7.1, 9.0, 11.3, 14.8, 19.5])
def test_weight_for_age_follows_whos_published_lms_rows_to_2_decimals(age, lms_l, m, s, weight):
    expected = round(who_lms_z(weight, lms_l, m, s), 2)
    assert measured("male", age, weight).zscores["weight_for_age"] == expected


def test_z_scores_are_not_capped_and_implausible_ones_are_flagged_not_dropped():
    result = measured("male", 400, 21.0)
    assert result.zscores["weight_for_age"] == round(who_lms_z(21.0, 0.0552, 9.9065, 0.10953), 2)
    assert result.zscores["weight_for_age"] > 5
    assert result.flagged == ("weight_for_age",)
    assert "underweight" not in result.conditions


def test_weight_for_age_flags_are_asymmetric_as_who_sets_them():
    expected = round(who_lms_z(4.8, 0.0552, 9.9065, 0.10953), 2)
    assert -6 < expected < -5  # outside +/-5 but inside WHO's -6 limit for weight-for-age
    assert measured("male", 400, 4.8).zscores["weight_for_age"] == expected
    assert measured("male", 400, 4.8).flagged == ()


@pytest.mark.parametrize(("age", "position", "table"), [(730, "lying", "wfl"), (731, "standing", "wfh")])
def test_a_child_under_731_days_is_read_on_weight_for_length_and_from_731_on_weight_for_height(
        age, position, table):
    row = _who2006(table)["M"][85.0]
    expected = round(who_lms_z(11.0, row["l"], row["m"], row["s"]), 2)
    assert measured("male", age, 11.0, 85.0, position).zscores["weight_for_length_height"] == expected


def test_lying_after_two_years_takes_off_07_cm_for_every_index_that_uses_height():
    lying, standing = measured("female", 900, 11.0, 86.7), measured("female", 900, 11.0, 86.0, "standing")
    assert lying.length_height_cm == 86.0
    assert lying.zscores == standing.zscores


def test_the_2006_standards_end_before_60_months_and_the_2007_reference_takes_over():
    assert measured("male", 1826, 18.0, 109.0, "standing").reference == WHO2006
    assert measured("male", 1827, 18.0, 109.0, "standing").reference == WHO2007
    assert measured("male", 1827, 18.0, 109.0, "standing").zscores["weight_for_length_height"] is None
    assert measured("male", 3700, 30.0, 140.0, "standing").reference is None


def test_oedema_leaves_weight_based_z_scores_out_and_is_a_condition():
    result = measured("female", 400, 7.0, 72.0, oedema=True)
    assert (result.zscores["weight_for_age"], result.zscores["weight_for_length_height"]) == (None, None)
    assert result.zscores["length_height_for_age"] is not None
    assert "oedema" in result.conditions


@pytest.mark.parametrize(("cm", "conditions"), [
    (61.0, ("stunting", "severe_stunting")), (64.0, ("stunting",)), (68.0, ())])
def test_classes_come_from_the_cut_offs_in_data(cm, conditions):
    assert measured("female", 300, None, cm).conditions == conditions


def test_a_z_of_exactly_minus_two_is_not_stunted_because_the_boundary_is_strict():
    row = _who2006("lhfa")["F"][210]
    result = measured("female", 210, None, row["m"] * (1 - 2 * row["s"]))
    assert result.zscores["length_height_for_age"] == -2.0
    assert "stunting" not in result.conditions


def test_who_2007_bmi_for_age_of_a_seven_year_old_boy_follows_whos_row():
    age_days = round(84 * 30.4375)  # 84 months: WHO bfawho2007 boys L -1.2460 M 15.4832 S 0.09068
    months = age_days / 30.4375
    assert math.isclose(months, 84.0, abs_tol=0.02)
    result = measured("male", age_days, 30.0, 125.0, "standing")
    lms = [-1.2460 + (months - 84) * (-1.2656 + 1.2460), 15.4832 + (months - 84) * (15.5019 - 15.4832),
           0.09068 + (months - 84) * (0.09103 - 0.09068)]
    assert result.zscores["bmi_for_age"] == round(who_lms_z(30.0 / 1.25 ** 2, *lms), 2)
    assert result.conditions == ("overweight", "obesity")
