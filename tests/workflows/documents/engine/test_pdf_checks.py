"""S8: an uploaded PDF is checked in a child process with limits; every refusal is a clear
Dutch message. Every bad file is made here, by pypdf or byte by byte."""

from __future__ import annotations

import hashlib
import resource
import signal
import zlib
from io import BytesIO

import pytest
from pypdf import PdfWriter

from workflows.documents.engine import child_process, pdf_checks
from workflows.documents.engine.child_process import ChildFailed, run_limited
from workflows.documents.engine.pdf_checks import PdfRefused, check_pdf

CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
UNSAFE = "Het PDF-bestand kon niet veilig worden gelezen (te zwaar of beschadigd)."


def _pdf(pages: int = 2, *, title: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if title is not None:
        writer.add_metadata({"/Title": title})
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _raw_pdf(objects: list[bytes], *, prev_points_at_itself: bool = False) -> bytes:
    """A PDF written by hand: numbered objects, a correct xref table, a trailer."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    prev = b" /Prev %d" % xref if prev_points_at_itself else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, prev)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _page_with_stream(inflated_mb: int) -> bytes:
    """One page whose content stream is zeros that inflate to ``inflated_mb`` megabytes,
    compressed piecewise so that this process never holds them."""
    compressor = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    compressed = b"".join(compressor.compress(chunk) for _ in range(inflated_mb))
    compressed += compressor.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (
        len(compressed),
        compressed,
    )
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
    return _raw_pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, stream])


def _refusal(content: bytes, **limits: int) -> PdfRefused:
    with pytest.raises(PdfRefused) as caught:
        check_pdf(content, **limits)
    return caught.value


def test_s8_a_good_two_page_pdf_is_accepted_with_pages_hash_and_clean_title():
    content = _pdf(2, title="Getekende overeenkomst\x07 Zorg & Co")
    report = check_pdf(content)
    assert report.pages == 2
    assert report.sha256 == hashlib.sha256(content).hexdigest()
    assert report.title == "Getekende overeenkomst Zorg & Co"


def test_s8_a_hand_written_pdf_is_accepted_so_the_bad_variants_below_differ_only_in_defect():
    good = _raw_pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE])
    assert check_pdf(good).pages == 1


def test_s8_an_empty_file_is_refused_with_dutch_message():
    refusal = _refusal(b"")
    assert refusal.message == "Het bestand is leeg."
    assert refusal.reason == "empty"


def test_s8_a_file_over_the_default_size_limit_is_refused_naming_20_mb():
    refusal = _refusal(b"%PDF-1.7\n" + bytes(20 * 1024 * 1024))
    assert refusal.reason == "too_large"
    assert "groter dan 20 MB" in refusal.message


def test_s8_the_size_limit_is_a_parameter_and_checked_before_anything_else():
    refusal = _refusal(b"<html>" + bytes(2 * 1024 * 1024), max_bytes=1024 * 1024)
    assert "groter dan 1 MB" in refusal.message


def test_s8_an_html_prefixed_polyglot_is_refused_as_not_a_pdf():
    polyglot = b"<html><body><script>alert(document.cookie)</script></body></html>\n" + _pdf(1)
    refusal = _refusal(polyglot)
    assert refusal.reason == "not_pdf"
    assert refusal.message.startswith("Dit is geen PDF-bestand")


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200),  # a Windows executable
        b"PK\x03\x04\x14\x00\x06\x00" + bytes(200),  # a .docx or other zip
        b" %PDF-1.7\n" + bytes(100),  # the header not at offset 0
    ],
    ids=["exe", "zip", "leading-space"],
)
def test_s8_a_renamed_non_pdf_is_refused_as_not_a_pdf(content):
    assert _refusal(content).reason == "not_pdf"


@pytest.mark.parametrize(
    ("user_password", "owner_password"),
    [("geheim", None), ("", "alleen-de-eigenaar")],
    ids=["user-password", "owner-password-only"],
)
def test_s8_an_encrypted_pdf_is_refused_with_dutch_message(user_password, owner_password):
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password, owner_password, algorithm="RC4-128")
    buffer = BytesIO()
    writer.write(buffer)
    refusal = _refusal(buffer.getvalue())
    assert refusal.reason == "encrypted"
    assert refusal.message.startswith("Het PDF-bestand is beveiligd met een wachtwoord;")


def test_s8_a_truncated_pdf_is_refused():
    content = _pdf(2)
    refusal = _refusal(content[: len(content) // 2])
    assert refusal.reason == "no_eof"
    assert "onvolledig" in refusal.message


def test_s8_a_pdf_without_eof_marker_is_refused():
    content = _pdf(2).replace(b"%%EOF", b"")
    assert _refusal(content).reason == "no_eof"


def test_s8_a_pdf_with_its_middle_cut_out_but_its_end_intact_is_refused_as_damaged():
    content = _pdf(3)
    middle = len(content) // 2
    refusal = _refusal(content[: middle - 60] + content[middle + 60 :])
    assert refusal.reason == "damaged"
    assert refusal.message.startswith("Het PDF-bestand is beschadigd")


def test_s8_a_flate_bomb_is_refused_in_the_child_and_never_inflated_here():
    bomb = _page_with_stream(inflated_mb=300)
    assert len(bomb) < 1024 * 1024
    peak_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refusal = _refusal(bomb)
    peak_after_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert refusal.message == UNSAFE
    # Inflating here would have pushed this process's peak up by hundreds of megabytes.
    assert peak_after_kb - peak_before_kb < 50 * 1024


def test_s8_a_cyclic_page_tree_is_refused_without_hanging():
    cyclic = _raw_pdf([CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"])
    # A probe that hung would be killed at its deadline and reported as "timeout" instead.
    assert _refusal(cyclic).reason == "damaged"


def test_s8_a_two_node_page_tree_cycle_is_refused():
    cyclic = _raw_pdf(
        [
            CATALOG,
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        ]
    )
    assert _refusal(cyclic).reason == "damaged"


def test_s8_a_circular_xref_chain_is_refused_without_hanging():
    circular = _raw_pdf(
        [CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE],
        prev_points_at_itself=True,
    )
    # A probe that hung would be killed at its deadline and reported as "timeout" instead.
    assert _refusal(circular).reason == "damaged"


@pytest.mark.parametrize("declared", [10_000, 1], ids=["honest-count", "lying-count"])
def test_s8_ten_thousand_pages_are_refused_by_the_page_limit(declared):
    kids = b"3 0 R " * 10_000
    pages = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, declared)
    refusal = _refusal(_raw_pdf([CATALOG, pages, PAGE]))
    assert refusal.reason == "too_many_pages"
    assert "heeft meer dan 500 pagina's" in refusal.message


def test_s8_the_page_limit_is_a_parameter():
    refusal = _refusal(_pdf(3), max_pages=2)
    assert "heeft meer dan 2 pagina's" in refusal.message


def test_s8_the_probe_stops_at_its_memory_limit_and_the_user_gets_a_dutch_message(monkeypatch):
    # 60 MB of content is under pypdf's own decompression limit, so only ours can stop it.
    heavy = _page_with_stream(inflated_mb=60)
    with pytest.raises(ChildFailed) as caught:
        run_limited(
            "workflows.documents.engine.pdf_probe", heavy, seconds=10, memory_mb=100, args=["500"]
        )
    assert caught.value.reason == child_process.MEMORY
    monkeypatch.setattr(pdf_checks, "PROBE_MEMORY_MB", 100)
    assert _refusal(heavy).message == UNSAFE


def test_s8_a_child_past_its_wall_clock_deadline_is_killed_and_reported_as_timeout(monkeypatch):
    killed = _record_kills(monkeypatch)
    with pytest.raises(ChildFailed) as caught:
        # The standard library's interactive console runs what it reads on stdin; a child that
        # was not killed would sleep its minute out and end normally, without ChildFailed.
        run_limited("code", b"import time\ntime.sleep(60)\n", seconds=0.5, memory_mb=512)
    assert caught.value.reason == child_process.TIMEOUT
    assert killed == [signal.SIGKILL]


def test_s8_a_busy_child_is_stopped_by_its_own_cpu_limit(monkeypatch):
    spin = (
        b"from workflows.documents.engine.child_process import apply_limits\napply_limits(1, 512)\n"
    )
    spin += b"while True:\n    pass\n\n"
    killed = _record_kills(monkeypatch)
    with pytest.raises(ChildFailed) as caught:
        run_limited("code", spin, seconds=120, memory_mb=512)
    assert caught.value.reason == child_process.TIMEOUT
    # The kernel stopped it (SIGXCPU), not our wall-clock deadline's kill.
    assert killed == []


def _record_kills(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    killed: list[int] = []
    kill = child_process.os.killpg

    def recording_kill(group: int, number: int) -> None:
        killed.append(number)
        kill(group, number)

    monkeypatch.setattr(child_process.os, "killpg", recording_kill)
    return killed


def test_s8_a_crashing_child_is_reported_as_crashed():
    with pytest.raises(ChildFailed) as caught:
        run_limited("code", b"import os\nos.abort()\n", seconds=5, memory_mb=512)
    assert caught.value.reason == child_process.CRASHED


def test_s8_the_child_inherits_no_secrets_from_the_parent_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "niet-voor-het-kind")
    monkeypatch.setenv("DATABASE_URL", "postgresql://geheim@db/besluitwerk")
    answer = run_limited(
        "code",
        b"import os, sys\n_ = sys.stdout.write(' '.join(sorted(os.environ)))\n",
        seconds=5,
        memory_mb=512,
    ).decode()
    assert "SECRET_KEY" not in answer and "DATABASE_URL" not in answer
    assert "PATH" in answer.split()
