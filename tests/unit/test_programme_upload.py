"""Reading a programme-figures post: a form is one record, a CSV file one record per commune and
period; values that are not whole numbers pass on as text for validation to name; a figure entered
twice for one commune and period is named with its rows; the same content gets the same record id."""

import pytest
from werkzeug.datastructures import MultiDict

from services.reporting.sources.programme.upload import from_csv, from_form
from shared.exceptions import ValidationFailed

CSV = ("commune,period,figure,value,reason\n"
       "03388,2026-Q1,staff_trained,10,\n"
       "03408,2026-Q1,parents_total,x1,\n"
       "03388,2026-Q1,staff_total, 30 ,Sổ sót\n")


def test_csv_rows_of_one_commune_and_period_make_one_record_with_the_first_reason_given():
    first, second = from_csv(CSV)
    assert first.record() == {
        "record_id": first.record()["record_id"], "commune_code": "03388", "period": "2026-Q1",
        "values": {"staff_trained": 10, "staff_total": 30}, "reason": "Sổ sót"}
    assert [row for row, _, _ in first.rows] == [2, 4]
    assert second.record()["values"] == {"parents_total": "x1"}


def test_the_same_content_gets_the_same_record_id_and_other_content_another():
    assert from_csv(CSV)[0].record()["record_id"] == from_csv("\ufeff" + CSV)[0].record()["record_id"]
    assert from_csv(CSV)[0].record()["record_id"].startswith("upload-")
    changed = from_csv(CSV.replace(",10,", ",11,"))[0]
    assert changed.record()["record_id"] != from_csv(CSV)[0].record()["record_id"]


def test_a_figure_entered_twice_for_one_commune_and_period_names_its_rows():
    group = from_csv("commune,period,figure,value\n03388,2026,staff_total,3\n03388,2026,staff_total,4\n")[0]
    assert group.twice() == {"values.staff_total": [
        "Entered more than once for this commune and period (rows 2, 3)."]}


@pytest.mark.parametrize("text, message", [
    ("commune;period;figure;value\n", "missing: commune, period, figure, value."),
    ("commune,period,figure,value\n", None),
])
def test_a_file_without_the_columns_or_without_rows_is_refused(text, message):
    with pytest.raises(ValidationFailed) as refused:
        from_csv(text)
    expected = message or "No rows under the header."
    assert refused.value.errors["file"][0].endswith(expected)


def test_a_form_is_one_record_leaving_out_empty_fields_and_keeping_its_record_id():
    form = MultiDict({"commune": "03388", "period": "2026-H1", "record_id": "form-1", "format": "html",
                      "staff_trained": "8", "staff_total": "", "reason": " "})
    [group] = from_form(form)
    assert group.record() == {"record_id": "form-1", "commune_code": "03388", "period": "2026-H1",
                              "values": {"staff_trained": 8}, "reason": None}


def test_a_form_with_no_figure_filled_in_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        from_form(MultiDict({"commune": "03388", "period": "2026-H1", "staff_total": ""}))
    assert refused.value.errors == {"values": ["Enter at least one figure."]}
