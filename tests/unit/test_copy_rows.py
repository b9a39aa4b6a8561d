"""The rebuild's COPY text takes a column's own type only: a value of another type is refused, not
written as another text than the insert path would store (``True`` as "True", "false" as true)."""

import pytest

from services.reporting.copy_rows import as_boolean, escaped


def test_text_is_escaped_only_where_copy_would_misread_it():
    assert (escaped("Lò Thị Mai"), escaped("a\tb\\N")) == ("Lò Thị Mai", "a\\tb\\\\N")


@pytest.mark.parametrize(("format_value", "value"), [(escaped, True), (escaped, ["a"]), (as_boolean, "false"),
                                                     (as_boolean, 0)])
def test_a_value_of_another_type_than_its_column_is_refused(format_value, value):
    with pytest.raises(TypeError):
        format_value(value)
