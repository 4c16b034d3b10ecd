"""The README and the docs/ pages: a quick start first, every link and anchor leading somewhere, and
the numbers they repeat agreeing with the page that measured them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemagate.config import _KEYS

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "docs").glob("*/*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _prose(text: str) -> str:
    """The text outside fenced code blocks, where a link is a link."""
    return re.sub(r"^(```+|~~~+).*?^\1\s*$", "", text, flags=re.S | re.M)


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    headings = re.findall(r"^#{1,6} (.+)$", _prose(page.read_text("utf-8")), flags=re.M)
    return {_slug(h) for h in headings}


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_and_anchor_leads_somewhere(page: Path) -> None:
    broken = []
    for target in LINK.findall(_prose(page.read_text("utf-8"))):
        if re.match(r"^[a-z]+:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        where = (page.parent / path).resolve() if path else page
        missing = not where.exists()
        if missing or (anchor and where.suffix == ".md" and anchor not in _anchors(where)):
            broken.append(target)
    assert broken == [], broken


def test_the_readme_is_a_quick_start_and_a_map() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert len(readme.encode()) <= 12_000, len(readme.encode())
    commands = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    assert "pip install -e . && (cd examples/supabase-app && schemagate local)" in commands
    assert "pip install -e '.[dev]' && python -m pytest" in commands
    assert readme.index(commands) < readme.index("\n## ")  # the two commands come first
    assert "about 8 minutes on a 2-core machine" in readme
    for page in ("action", "cli", "rules", "fidelity", "security", "troubleshooting", "profiles"):
        assert f"(docs/{page}.md)" in readme, page


def test_the_number_of_projects_tried_is_the_fidelity_pages() -> None:
    fidelity = (ROOT / "docs" / "fidelity.md").read_text("utf-8")
    rows = [line for line in fidelity.splitlines() if re.match(r"^\| [\w.-]+/[\w.-]+ [0-9a-f]{7} \|", line)]
    assert {int(n) for n in re.findall(r"\b\d+ of (\d+) right", fidelity)} == {len(rows)}
    said = []
    for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        said += [
            int(n) for n in re.findall(r"\bof (\d+) public (?:Supabase )?projects", page.read_text("utf-8"))
        ]
    assert said and set(said) == {len(rows)}, said


def test_the_configuration_page_names_every_config_key() -> None:
    """docs/configuration.md says "key by key": a key the config accepts and the page omits is one
    a reader cannot find (rollbacks_dir was)."""
    page = (ROOT / "docs" / "configuration.md").read_text("utf-8")
    listed = set(re.findall(r"^(\w+):", page.split("```yaml\n", 1)[1].split("```", 1)[0], flags=re.M))
    assert set(_KEYS) - listed == set()
