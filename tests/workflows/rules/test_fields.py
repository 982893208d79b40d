from datetime import date

import pytest

from workflows.rules import fields
from workflows.rules.dates import parse_date


def test_iso_and_dutch_dates_are_read():
    assert parse_date("2025-05-27", label="Datum") == date(2025, 5, 27)
    assert parse_date("27-5-2025", label="Datum") == date(2025, 5, 27)
    assert parse_date("27-05-2025", label="Datum") == date(2025, 5, 27)


def test_impossible_date_31_february_names_the_field():
    with pytest.raises(ValueError, match="Peildatum: 31-02-2026 bestaat niet in de kalender"):
        parse_date("31-02-2026", label="Peildatum")


def test_text_that_is_no_date_is_refused_with_an_example():
    with pytest.raises(ValueError, match="'morgen' is geen datum"):
        parse_date("morgen", label="Peildatum")


def test_negative_inhabitants_are_refused():
    reader = fields.Whole("Aantal inwoners", minimum=0, maximum=20_000_000)
    with pytest.raises(fields.FieldError, match="Aantal inwoners: mag niet negatief zijn"):
        reader.read("-5")


def test_whole_numbers_accept_dutch_thousands_separators_and_refuse_nan_and_text():
    reader = fields.Whole("Aantal inwoners", minimum=0, maximum=20_000_000)
    assert reader.read("161.000") == 161_000
    assert reader.read(" 74000 ") == 74_000
    assert reader.read("") is None
    for bad in ("NaN", "veel", float("nan"), float("inf"), True, "1,5"):
        with pytest.raises(fields.FieldError):
            reader.read(bad)
    with pytest.raises(fields.FieldError, match="ten hoogste"):
        reader.read("99999999999")


def test_week_lists_accept_ranges_and_refuse_week_54():
    reader = fields.WeekList("Reces")
    assert reader.read("30-32, 52") == [30, 31, 32, 52]
    assert reader.read([31, 30]) == [30, 31]
    with pytest.raises(fields.FieldError, match="1 tot en met 53"):
        reader.read("54")


def test_choice_names_the_allowed_options():
    reader = fields.Choice("Soort", {"a": "eerste", "b": "tweede"})
    with pytest.raises(fields.FieldError, match="eerste, tweede"):
        reader.read("c")


def test_read_fields_ignores_unknown_posted_fields():
    readers = {"name": fields.Text("Naam", max_length=10, required=True)}
    values, errors = fields.read_fields(readers, {"name": "Borne", "role": "administrator"})
    assert values == {"name": "Borne"} and errors == {}


def test_read_fields_collects_every_error_at_once():
    readers = {
        "name": fields.Text("Naam", max_length=10, required=True),
        "inhabitants": fields.Whole("Inwoners", minimum=0, maximum=10),
    }
    _, errors = fields.read_fields(readers, {"name": "", "inhabitants": "-1"})
    assert set(errors) == {"name", "inhabitants"}


def test_partial_read_leaves_absent_fields_out():
    readers = {"name": fields.Text("Naam", max_length=10), "x": fields.Flag("X")}
    values, errors = fields.read_fields(readers, {"x": "ja"}, partial=True)
    assert values == {"x": True} and errors == {}
