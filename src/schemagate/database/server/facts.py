"""Facts of record about hosted Supabase, derived from Supabase's own repository, not written by hand.

`facts.json` holds them with the upstream commit and date they were read from, so the report can
name the platform it imitates and refreshing them is a routine:

    python -m schemagate.database.server.facts /path/to/supabase-postgres.git

reads supabase/postgres at that clone's HEAD (a bare git directory or a checkout) and rewrites
`facts.json`. What it reads: supautils' `privileged_extensions` (the extensions `postgres` may
create) and `privileged_role_allowed_configs` (the superuser-only settings it may set) from
`ansible/files/postgresql_config/supautils.conf.j2`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

SUPAUTILS_CONF = "ansible/files/postgresql_config/supautils.conf.j2"
_SETTING = re.compile(r"^supautils\.(?P<name>[a-z_]+)\s*=\s*'(?P<value>[^']*)'", re.MULTILINE)


@dataclass(frozen=True)
class Facts:
    commit: str  # the supabase/postgres commit they were read from
    date: str  # that commit's date: the platform as of then
    privileged_extensions: frozenset[str]
    allowed_configs: frozenset[str]  # privileged_role_allowed_configs, `pgrst.*` families included


@cache
def recorded() -> Facts:
    """The facts this package ships."""
    data = json.loads(resources.files("schemagate.database.server").joinpath("facts.json").read_text())
    return Facts(
        data["commit"],
        data["date"],
        frozenset(data["privileged_extensions"]),
        frozenset(data["privileged_role_allowed_configs"]),
    )


def supautils_settings(conf: str) -> dict[str, str]:
    """supautils' settings in a supautils.conf, by name."""
    return {m["name"]: m["value"] for m in _SETTING.finditer(conf)}


def derive(gitdir: Path) -> dict[str, object]:
    """The facts read from a supabase/postgres clone at its HEAD."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", f"--git-dir={gitdir}", *args], check=True, capture_output=True, text=True
        ).stdout

    settings = supautils_settings(git("show", f"HEAD:{SUPAUTILS_CONF}"))
    return {
        "source": f"supabase/postgres {SUPAUTILS_CONF}",
        "commit": git("rev-parse", "HEAD").strip(),
        "date": git("show", "-s", "--format=%cs", "HEAD").strip(),
        "privileged_extensions": _names(settings["privileged_extensions"]),
        "privileged_role_allowed_configs": _names(settings["privileged_role_allowed_configs"]),
    }


def _names(value: str) -> list[str]:
    return sorted({name.strip() for name in value.split(",") if name.strip()})


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(
            "usage: python -m schemagate.database.server.facts <supabase/postgres git directory>",
            file=sys.stderr,
        )
        return 2
    gitdir = Path(argv[0])
    if (gitdir / ".git").exists():
        gitdir = gitdir / ".git"
    target = Path(__file__).with_name("facts.json")
    target.write_text(json.dumps(derive(gitdir), indent=2) + "\n")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
