from workflows.rules.text import clean_text, text_problem


def test_ampersand_angle_brackets_and_quotes_are_acceptable_as_typed():
    value = 'Zorg & Co <B.V.> "ĳ" ’s-Gravenhage 🧡 {{ 7*7 }}'
    assert text_problem(value, label="Naam", max_length=200) is None
    assert clean_text(value) == value


def test_vertical_tab_pasted_from_word_is_refused_with_its_position():
    problem = text_problem("Zorg\x0bAccent", label="Naam", max_length=200)
    assert problem is not None
    assert "Naam" in problem and "U+000B" in problem and "positie 5" in problem


def test_nul_character_is_refused():
    assert text_problem("a\x00b", label="Naam", max_length=200) is not None


def test_lone_surrogate_is_refused():
    problem = text_problem("a\ud800b", label="Omschrijving", max_length=200, multiline=True)
    assert problem is not None and "surrogaat" in problem


def test_tab_and_newline_are_allowed_in_multiline_text_only():
    assert text_problem("regel 1\n\tregel 2", label="Tekst", max_length=50, multiline=True) is None
    assert text_problem("regel 1\nregel 2", label="Naam", max_length=50) is not None


def test_too_long_text_names_length_and_limit():
    problem = text_problem("x" * 100_000, label="Naam", max_length=200)
    assert problem == "Naam is te lang: 100000 tekens, ten hoogste 200."


def test_crlf_from_browsers_becomes_lf_and_one_line_fields_are_trimmed():
    assert clean_text("a\r\nb", multiline=True) == "a\nb"
    assert clean_text("  Enschede  ") == "Enschede"
