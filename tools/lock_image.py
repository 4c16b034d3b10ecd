"""Refresh requirements/image.txt: the exact versions of the Python packages the Action's image holds.

    python tools/lock_image.py

installs pyproject's dependencies, as the image takes them, into a throwaway virtual environment
with the newest versions the index offers, and writes what was installed. The Dockerfile installs
exactly these (`--no-deps`), and .ci/run installs the test environment under them as constraints,
so the image carries what the tests ran. As the image takes them: psycopg without its binary wheel
(the image links its own libpq), no pgserver (the image has system PostgreSQL), and no cryptography
(PyGithub imports it only for GitHub App logins, which the Action never makes).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "image.txt"
LEFT_OUT = {"pgserver", "cryptography"}
HEADER = """\
# The Action image's Python packages, exactly (the Dockerfile installs these with --no-deps, and
# .ci/run uses them as constraints for the tests). Written by `python tools/lock_image.py`: do not
# edit by hand; run it again to move to newer versions, then rebuild the image and run .ci/run.
"""


def requirement_name(requirement: str) -> str:
    """`psycopg[binary]>=3.1` -> `psycopg`, normalized as the index compares names."""
    name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def image_requirements() -> list[str]:
    """pyproject's dependencies as the image takes them: no extras, the left-out ones dropped."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    kept = [r for r in project["dependencies"] if requirement_name(r) not in LEFT_OUT]
    return [re.sub(r"\[[^\]]*\]", "", r) for r in kept]


def locked_lines(frozen: str) -> list[str]:
    """`pip freeze` output without the left-out packages, sorted by name."""
    pins = [line for line in frozen.splitlines() if "==" in line]
    return sorted((p for p in pins if requirement_name(p) not in LEFT_OUT), key=requirement_name)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "venv", folder], check=True)
        python = str(Path(folder) / "bin" / "python")
        pip = [python, "-m", "pip", "--disable-pip-version-check", "--quiet"]
        subprocess.run([*pip, "install", *image_requirements()], check=True)
        frozen = subprocess.run([*pip, "freeze"], check=True, capture_output=True, text=True).stdout
    LOCK.parent.mkdir(exist_ok=True)
    LOCK.write_text(HEADER + "\n".join(locked_lines(frozen)) + "\n")
    print(f"wrote {LOCK.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
