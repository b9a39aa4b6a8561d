"""The province report keeps each commune's counts and recounts only the communes whose data changed
(``count_cache``): on a generated province's stream, applied one event at a time and in batches, every
report with kept counts equals the report counted afresh, on both maps, and after new events only the
communes of the children they touched are recounted."""


from tests.support.kept_counts import check_kept_counts, spy_recounts


def test_kept_counts_equal_fresh_counts_and_only_changed_communes_are_recounted(session, monkeypatch):
    check_kept_counts(session, spy_recounts(monkeypatch))
