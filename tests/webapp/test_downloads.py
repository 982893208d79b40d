import pytest

from webapp.downloads import safe_filename


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../x.pdf", "x.pdf"),
        ("..\\..\\windows\\x.pdf", "x.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ('a"; filename=x.html', "a_filename_x.html"),
        ("Volmacht Enschede – 27 mei.docx", "Volmacht_Enschede_27_mei.docx"),
        ("", "download"),
        ("....", "download"),
    ],
)
def test_s10_download_names_are_sanitised(given, expected):
    assert safe_filename(given) == expected
