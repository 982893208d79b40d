"""The project's own documents stay readable from the repository alone: what the code cites
exists, and every security test is listed under the requirement it proves."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    path
    for folder in ("webapp", "workflows", "storage", "tests", "bench", "templates_docs")
    for path in (ROOT / folder).rglob("*")
    if path.suffix in {".py", ".html", ".md"} and "vendor" not in path.parts
] + [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "pyproject.toml"]
SOURCES += [path for path in sorted((ROOT / ".ci").iterdir()) if path.is_file()]
CITATION = re.compile(r"(?<![\w/])docs/([\w-]+\.md)((?:\s*(?:§\d+|S\d+)(?:\s*(?:,|and|en)\s*)?)*)")


def _sections(name: str) -> set[str]:
    text = (ROOT / "docs" / name).read_text(encoding="utf-8")
    return {match.group(1) for match in re.finditer(r"^## (S\d+|\d+)\b", text, re.M)}


def _security_sections() -> dict[str, set[str]]:
    listed: dict[str, set[str]] = {}
    current = None
    for line in (ROOT / "docs" / "security.md").read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## (S\d+)\b", line)
        if heading:
            current = heading.group(1)
            listed[current] = set()
        elif current and line.startswith("**Tests"):
            listed[current] |= set(re.findall(r"`([\w/]+\.py)`", line))
    return listed


def test_what_the_code_cites_in_docs_exists_with_that_section():
    missing = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for match in CITATION.finditer(text):
            name, sections = match.group(1), match.group(2)
            if not (ROOT / "docs" / name).exists():
                missing.append(f"{path.relative_to(ROOT)}: docs/{name}")
                continue
            known = _sections(name)
            for section in re.findall(r"§(\d+)|(S\d+)", sections):
                wanted = section[0] or section[1]
                if wanted not in known:
                    missing.append(f"{path.relative_to(ROOT)}: docs/{name} {wanted}")
    assert missing == []


@pytest.mark.parametrize("old", ["DESIGN.md", "SECURITY.md", "DOMAIN.md"])
def test_no_citation_of_a_document_outside_the_repository(old):
    citing = [
        str(path.relative_to(ROOT))
        for path in SOURCES
        if path != Path(__file__) and old in path.read_text(encoding="utf-8")
    ]
    assert citing == []


def test_every_security_test_is_listed_under_the_requirement_it_proves():
    named: dict[str, set[str]] = defaultdict(set)
    for path in (ROOT / "tests").rglob("test_*.py"):
        for number in re.findall(r"def test_s(\d+)_", path.read_text(encoding="utf-8")):
            named[f"S{number}"].add(str(path.relative_to(ROOT / "tests")))
    listed = _security_sections()
    assert sorted(listed, key=lambda s: int(s[1:])) == [f"S{n}" for n in range(1, 33)]
    unlisted = {s: sorted(files - listed[s]) for s, files in named.items() if files - listed[s]}
    assert unlisted == {}, "add these files to the requirement's Tests line in docs/security.md"
    for requirement, files in listed.items():
        for name in files:
            path = ROOT / "tests" / name
            assert path.exists(), f"{requirement} lists {name}, which does not exist"
