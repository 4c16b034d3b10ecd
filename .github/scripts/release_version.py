"""The version a release tag publishes, refused unless the package and action.yml name the same one.

A tag whose version differs from the package's would publish an image that action.yml at that tag
does not pull, and an image pushed elsewhere than action.yml says would never be pulled. Prints
`image=…`, `version=…` and `major=…` for $GITHUB_OUTPUT.
Usage: python .github/scripts/release_version.py v0.1.0 OWNER
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def published_image() -> tuple[str, str] | None:
    """The image action.yml pulls, and its tag."""
    found = re.search(r"image: docker://(ghcr\.io/[^/]+/schemagate):(\S+)", (ROOT / "action.yml").read_text())
    return (found[1], found[2]) if found else None


def changelog_versions() -> list[str]:
    """The versions CHANGELOG.md has a section for (`## 1.2.3 — date`)."""
    return re.findall(r"(?m)^## (\d+\.\d+\.\d+)\b", (ROOT / "CHANGELOG.md").read_text())


def problems(tag: str, owner: str) -> list[tuple[str, str]]:
    package = re.search(r'__version__ = "([^"]+)"', (ROOT / "src/schemagate/__init__.py").read_text())
    image = published_image()
    wrong = []
    if not package or package[1] != tag:
        wrong.append(("src/schemagate/__init__.py", f"names {package[1] if package else 'no version'}"))
    if image is None:
        wrong.append(("action.yml", "names no image on ghcr.io"))
    else:
        if image[1] != tag:
            wrong.append(("action.yml", f"names {image[1]}"))
        if image[0] != f"ghcr.io/{owner.lower()}/schemagate":
            wrong.append(("action.yml", f"pulls {image[0]}, not this repository's ghcr.io/{owner.lower()}"))
    if tag not in changelog_versions():
        wrong.append(("CHANGELOG.md", "has no section for it"))
    return wrong


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not re.fullmatch(r"v\d+\.\d+\.\d+", argv[0]):
        print("::error::usage: release_version.py vMAJOR.MINOR.PATCH OWNER", file=sys.stderr)
        return 2
    tag, owner = argv[0].removeprefix("v"), argv[1]
    wrong = problems(tag, owner)
    for where, what in wrong:
        print(f"::error file={where}::the tag is v{tag} but {where} {what}", file=sys.stderr)
    if wrong:
        return 1
    print(f"image=ghcr.io/{owner.lower()}/schemagate\nversion={tag}\nmajor={tag.split('.')[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
