"""Mutation testing of the modules that guard the product (docs/mutation.md), with mutmut.

    python tools/mutation.py          the fast part: pure modules against tests/unit (the CI gate)
    python tools/mutation.py --slow   the database-backed part: history.py and postgres/hardening.py
    add --docs to write the scores into docs/mutation.md

Each run starts from an empty mutants/ folder, so no earlier result is trusted. It fails (exit 1)
when a mutant survives that is not listed below as equivalent, and names it with its diff; it also
fails when an equivalent listed here no longer exists, so that the list never outlives the code.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "mutation.md"
LOG = ROOT / "mutants" / "mutmut.log"
# a mutant the tests notice: they fail, hang past mutmut's time limit, or crash the interpreter
DETECTED = {"killed", "timeout", "segfault"}


@dataclass(frozen=True)
class Part:
    name: str
    modules: tuple[str, ...]
    tests: tuple[str, ...]  # pytest arguments that select the tests run against every mutant


FAST = Part(
    "fast",
    (
        "src/schemagate/secrets.py",
        "src/schemagate/report/escape.py",
        "src/schemagate/report/annotations.py",
        "src/schemagate/action/runner.py",
        "src/schemagate/action/comments.py",
        "src/schemagate/action/feedback.py",
        "src/schemagate/files/migrations.py",
        "src/schemagate/repofiles.py",
    ),
    ("tests/unit",),
)
SLOW = Part(
    "slow",
    ("src/schemagate/database/history/__init__.py", "src/schemagate/database/server/hardening.py"),
    ("tests/test_guards_db.py",),
)


@dataclass(frozen=True)
class Equivalent:
    function: str  # mutmut's name of the function, without the mutant's number
    mutated: str  # the mutated line(s), as mutmut shows them after "+"
    reason: str


EQUIVALENT = (
    Equivalent(
        "schemagate.secrets.x__query_passwords",
        'return [m["pw"] for m in _QUERY_PASSWORD.finditer(split_url(url)[2])] if ("://" in url) or True else []',
        'without "://" split_url() finds no host part, so there is no query to read either way',
    ),
    Equivalent(
        "schemagate.secrets.x_mask_url",
        "url = f\"{scheme}://{info.split(':', )[0]}:{MASK}@{host}\"",
        "the first field of a split is the same however many splits follow it",
    ),
    Equivalent(
        "schemagate.secrets.x_mask_url",
        "url = f\"{scheme}://{info.split(':', 2)[0]}:{MASK}@{host}\"",
        "the first field of a split is the same however many splits follow it",
    ),
    Equivalent(
        "schemagate.report.escape.x_inline",
        'return text.replace(r"XX\\:\\/\\/XX", r"\\:" + _ZWSP + r"\\/\\/").replace(r"\\:/", r"\\:" + _ZWSP + "/")',
        "dead code: `/` is not escaped, so the escaped text never holds `\\:\\/\\/` (the second replace breaks "
        "`://`)",
    ),
    Equivalent(
        "schemagate.report.escape.x_inline",
        'return text.replace(r"\\:\\/\\/", r"XX\\:XX" + _ZWSP + r"\\/\\/").replace(r"\\:/", r"\\:" + _ZWSP + "/")',
        "the same dead replace",
    ),
    Equivalent(
        "schemagate.report.escape.x_inline",
        'return text.replace(r"\\:\\/\\/", r"\\:" + _ZWSP + r"XX\\/\\/XX").replace(r"\\:/", r"\\:" + _ZWSP + "/")',
        "the same dead replace",
    ),
    Equivalent(
        "schemagate.report.escape.x_code_block",
        'longest = max((len(m) for m in re.findall(r"`+", text)), default=1)',
        "without backticks the fence is max(3, 1 + 1) = 3 as it is with max(3, 0 + 1)",
    ),
    Equivalent(
        "schemagate.repofiles.x_display_path",
        "relative = Path(os.path.relpath(path, )).as_posix()",
        "relpath's start defaults to the current folder, which Path.cwd() names",
    ),
    Equivalent(
        "schemagate.repofiles.x_display_path",
        "relative = Path(os.path.relpath(path, None)).as_posix()",
        "relpath's start defaults to the current folder when None, which Path.cwd() names",
    ),
    Equivalent(
        "schemagate.repofiles.x__open",
        'return os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(None, "O_CLOEXEC", 0))',
        "os.open() makes every descriptor non-inheritable itself (PEP 446); O_CLOEXEC only says so twice",
    ),
    Equivalent(
        "schemagate.repofiles.x__open",
        'return os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "XXO_CLOEXECXX", 0))',
        "as above: without O_CLOEXEC the descriptor is still non-inheritable (PEP 446)",
    ),
    Equivalent(
        "schemagate.repofiles.x__open",
        'return os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "o_cloexec", 0))',
        "as above: without O_CLOEXEC the descriptor is still non-inheritable (PEP 446)",
    ),
    Equivalent(
        "schemagate.repofiles.x__open",
        'return os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", None))',
        "Linux has O_CLOEXEC: getattr's default is never read",
    ),
    Equivalent(
        "schemagate.repofiles.x__open",
        'return os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", ))',
        "Linux has O_CLOEXEC: getattr's default is never read",
    ),
    Equivalent(
        "schemagate.repofiles.x__open",
        'return os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 1))',
        "Linux has O_CLOEXEC: getattr's default is never read",
    ),
    *(
        Equivalent(
            "schemagate.repofiles.x_read_limited",
            f"kind = _KINDS.get(stat.S_IFMT(info.st_mode), {default})",
            "unreachable on Linux: a descriptor opened with O_NOFOLLOW is a regular file, a folder, a FIFO, "
            "a device or a socket, and _KINDS names every one",
        )
        for default in ("None", "", '"XXnot a regular fileXX"', '"NOT A REGULAR FILE"')
    ),
    Equivalent(
        "schemagate.repofiles.x_read_limited",
        "while left >= 0:",
        "at left == 0 one more read of min(0, …) = 0 bytes returns b'' and the loop ends as it would have",
    ),
    *(
        Equivalent(
            "schemagate.repofiles.x_read_limited",
            f"chunk = os.read(fd, min(left, {chunk}))",
            "the chunk size changes how many reads it takes, not what is read or refused",
        )
        for chunk in ("2 << 20", "1 << 21")
    ),
    Equivalent(
        "schemagate.files.migrations.x_discover",
        'number = migration.version.lstrip("XX0XX")',
        "a version is ASCII digits here (the pattern or is_number() said so), and X is no digit",
    ),
    Equivalent(
        "schemagate.files.migrations.x_decode",
        'text = raw.decode("UTF-8")',
        "the same codec under another name",
    ),
    Equivalent(
        "schemagate.files.migrations.x_decode",
        'line = raw.count(b"\\n", None, exc.start) + 1',
        "a start of None is the start: 0",
    ),
    Equivalent(
        "schemagate.files.migrations.x_decode",
        'line = text.count("\\n", None, text.index("\\x00")) + 1',
        "a start of None is the start: 0",
    ),
    *(
        Equivalent(
            "schemagate.action.runner.xǁInputsǁvalidate",
            mutated,
            "validate() only checks the input and drops the value: the default is never seen",
        )
        for mutated in (
            'self.seconds("approval-timeout", None)',
            'self.seconds("approval-timeout", 3601.0)',
            "self.flag(name, None)",
            "self.flag(name, False)",
        )
    ),
    *(
        Equivalent(
            function, 'with open(path, "a", encoding="UTF-8") as out:', "the same codec under another name"
        )
        for function in (
            "schemagate.action.runner.xǁRunnerǁoutput",
            "schemagate.action.runner.xǁRunnerǁsummary",
        )
    ),
    Equivalent(
        "schemagate.repofiles.x_write_output",
        'data = secrets.redact(text).encode("UTF-8")',
        "the same codec under another name",
    ),
    *(
        Equivalent(
            function,
            mutated,
            "`keep` only spares characters that are not printable, and X is printable: the same "
            "characters are kept",
        )
        for function, mutated in (
            ("schemagate.report.escape.x_visible", 'def visible(text: str, keep: str = "XXXX") -> str:'),
            (
                "schemagate.report.escape.x__one_line",
                'return " ".join(visible(redact(text), keep="XXXX".join(c for c in set(text) '
                "if c.isspace())).split())",
            ),
            ("schemagate.report.escape.x_code_block", 'text = visible(redact(text), keep="XX\\n\\t\\rXX")'),
            ("schemagate.report.annotations.x_command_data", 'text = visible(text, keep="XX\\r\\nXX")'),
            (
                "schemagate.action.runner.xǁRunnerǁlog",
                'text = visible(secrets.redact(line), keep="XX\\n\\tXX") # no ESC sequence, no bidi override',
            ),
        )
    ),
    Equivalent(
        "schemagate.report.escape.x__escaped",
        'return _NAMED.get(char) or (f"\\\\u{code:04x}" if code <= 65536 else f"\\\\U{code:08x}")',
        "only characters that are not printable are escaped, and U+10000 (LINEAR B SYLLABLE B008 A) is "
        "printable: the one code point between the bounds never comes here",
    ),
    *(
        Equivalent(
            "schemagate.action.comments.x_first_line",
            f'return str(comment.get("body", "")).split({split})[0].rstrip("\\r")',
            "the first field of a split is the same however many splits follow it",
        )
        for split in ('"\\n", ', '"\\n", 2')
    ),
    *(
        Equivalent(
            "schemagate.repofiles.x_write_output",
            "flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | " + cloexec,
            reason,
        )
        for cloexec, reason in (
            (
                'getattr(None, "O_CLOEXEC", 0)',
                "os.open() makes every descriptor non-inheritable itself (PEP 446)",
            ),
            (
                'getattr(os, "XXO_CLOEXECXX", 0)',
                "as above: without O_CLOEXEC the descriptor is still non-inheritable",
            ),
            (
                'getattr(os, "o_cloexec", 0)',
                "as above: without O_CLOEXEC the descriptor is still non-inheritable",
            ),
            ('getattr(os, "O_CLOEXEC", None)', "Linux has O_CLOEXEC: getattr's default is never read"),
            ('getattr(os, "O_CLOEXEC", )', "Linux has O_CLOEXEC: getattr's default is never read"),
            ('getattr(os, "O_CLOEXEC", 1)', "Linux has O_CLOEXEC: getattr's default is never read"),
        )
    ),
    Equivalent(
        "schemagate.action.runner.x_mask_secrets",
        "password = secrets.password_of(value) if (value) or True else None",
        'password_of("") is None: the condition only spares the call',
    ),
)


_PRCTL_UNUSED = "PR_SET_DUMPABLE reads only its second argument (prctl(2)); None is passed as NULL, that is 0"
EQUIVALENT += (
    *(
        Equivalent("schemagate.database.server.hardening.x_hide_process_environment", mutated, _PRCTL_UNUSED)
        for mutated in (
            "libc.prctl(_PR_SET_DUMPABLE, None, 0, 0, 0)",
            "libc.prctl(_PR_SET_DUMPABLE, 0, None, 0, 0)",
            "libc.prctl(_PR_SET_DUMPABLE, 0, 0, None, 0)",
            "libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, None)",
            "libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0)",
            "libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, )",
            "libc.prctl(_PR_SET_DUMPABLE, 0, 1, 0, 0)",
            "libc.prctl(_PR_SET_DUMPABLE, 0, 0, 1, 0)",
            "libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 1)",
        )
    ),
    Equivalent(
        "schemagate.database.server.hardening.x_hide_process_environment",
        'if not name or not hasattr(ctypes, "cdll"):',
        "ctypes has both CDLL and cdll",
    ),
    Equivalent(
        "schemagate.database.server.hardening.x_hide_process_environment",
        "libc = ctypes.CDLL(None, use_errno=True)",
        "CDLL(None) is the process itself, which has libc's prctl linked in: the same function is called",
    ),
    *(
        Equivalent(
            "schemagate.database.server.hardening.x_hide_process_environment",
            f"libc = ctypes.CDLL(name, {errno})",
            "errno is never read after the call",
        )
        for errno in ("use_errno=None", "", "use_errno=False")
    ),
    *(
        Equivalent(
            "schemagate.database.server.hardening.x_make_plain_owner",
            mutated,
            "SELECT current_database() always returns its one row: the fallback is never used",
        )
        for mutated in (
            'name = str(database[0]) if (database) or True else "postgres"',
            'name = str(database[0]) if database else "XXpostgresXX"',
            'name = str(database[0]) if database else "POSTGRES"',
        )
    ),
)
# Modules whose strings are SQL: a mutant that only changes the case of keywords or unquoted names,
# leaving every quoted literal as it was, is the same statement to PostgreSQL.
SQL_MODULES = ("schemagate.database.history.", "schemagate.database.server.hardening.")
SQL_CASE = "only the case of SQL keywords and unquoted names changed; PostgreSQL folds them"


def _literals(line: str) -> list[str]:
    return re.findall(r"'[^']*'", line)


def _sql_case_only(function: str, original: str, mutated: str) -> bool:
    return (
        function.startswith(SQL_MODULES)
        and original != mutated
        and original.lower() == mutated.lower()
        and _literals(original) == _literals(mutated)
        and "%S" not in mutated
    )


def _normal(line: str) -> str:
    return " ".join(line.split())


def _equivalent(function: str, mutated: str) -> Equivalent | None:
    for known in EQUIVALENT:
        if known.function == function and _normal(known.mutated) == _normal(mutated):
            return known
    return None


@dataclass
class Mutant:
    name: str
    module: str
    status: str
    diff: str
    equivalent: Equivalent | None = None

    @property
    def function(self) -> str:
        return self.name.rsplit("__mutmut_", 1)[0]

    @property
    def mutated(self) -> str:
        return self._changed("+")

    @property
    def original(self) -> str:
        return self._changed("-")

    def _changed(self, sign: str) -> str:
        return " ".join(
            line[1:].strip()
            for line in self.diff.splitlines()
            if line.startswith(sign) and not line.startswith(sign * 3)
        )


def run_mutmut(part: Part, children: int) -> None:
    """mutmut, in this process, with the part's modules and tests over pyproject's [tool.mutmut]."""
    from mutmut import configuration
    from mutmut.__main__ import cli

    base = configuration.config()
    configuration._config = dataclasses.replace(
        base,
        only_mutate=list(part.modules),
        pytest_add_cli_args_test_selection=list(part.tests),
    )
    try:
        cli(["run", "--max-children", str(children)], standalone_mode=False)
    except SystemExit as exc:  # mutmut exits 1 when the clean test run fails
        if exc.code:
            raise


def collect(part: Part) -> list[Mutant]:
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    found = []
    for module in part.modules:
        data = SourceFileMutationData(path=Path(module))
        data.load()
        for name, code in sorted(data.exit_code_by_key.items()):
            status = status_by_exit_code[code]
            diff = "" if status in DETECTED else get_diff_for_mutant(name, path=Path(module))
            mutant = Mutant(name, module, status, diff)
            if status not in DETECTED:
                mutant.equivalent = _equivalent(mutant.function, mutant.mutated)
                if mutant.equivalent is None and _sql_case_only(
                    mutant.function, mutant.original, mutant.mutated
                ):
                    mutant.equivalent = Equivalent(mutant.function, mutant.mutated, SQL_CASE)
            found.append(mutant)
    return found


def _killed_now(listed: Equivalent, mutants: Sequence[Mutant]) -> bool:
    """Whether a mutant listed as equivalent exists and was killed (its diff is read only now)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    for m in mutants:
        if m.function == listed.function and m.status in DETECTED:
            m.diff = get_diff_for_mutant(m.name, path=Path(m.module))
            if _normal(m.mutated) == _normal(listed.mutated):
                return True
    return False


@dataclass(frozen=True)
class Score:
    module: str
    total: int
    killed: int
    equivalent: int
    survived: int

    @property
    def percent(self) -> str:
        """Rounded down: one survivor among a thousand is 99.9%, never 100%."""
        judged = self.total - self.equivalent
        tenths = 1000 if judged == 0 else 1000 * self.killed // judged
        return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10:.1f}%"


def scores(part: Part, mutants: Sequence[Mutant]) -> list[Score]:
    made = []
    for module in part.modules:
        mine = [m for m in mutants if m.module == module]
        killed = sum(m.status in DETECTED for m in mine)
        equivalent = sum(m.equivalent is not None for m in mine)
        made.append(Score(module, len(mine), killed, equivalent, len(mine) - killed - equivalent))
    return made


def table(rows: Sequence[Score]) -> str:
    lines = [
        "| module | mutants | killed | equivalent | survived | killed of non-equivalent |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in rows:
        short = s.module.removeprefix("src/schemagate/")
        lines.append(f"| `{short}` | {s.total} | {s.killed} | {s.equivalent} | {s.survived} | {s.percent} |")
    return "\n".join(lines)


def equivalents_table(mutants: Sequence[Mutant]) -> str:
    lines = ["| mutant | mutated line | why it is equivalent |", "|---|---|---|"]
    for m in mutants:
        if m.equivalent is not None:
            line = m.mutated.replace("|", "\\|")
            lines.append(f"| `{m.name.removeprefix('schemagate.')}` | `` {line} `` | {m.equivalent.reason} |")
    return "\n".join(lines)


def write_docs(part: Part, text: str) -> None:
    page = DOCS.read_text("utf-8")
    start, end = f"<!-- mutation:{part.name} -->", f"<!-- /mutation:{part.name} -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(page):
        raise SystemExit(f"{DOCS} has no {start} … {end} section")
    DOCS.write_text(pattern.sub(lambda _: f"{start}\n{text}\n{end}", page), "utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--slow", action="store_true", help="the database-backed part")
    parser.add_argument("--docs", action="store_true", help="write the scores into docs/mutation.md")
    parser.add_argument("--children", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    part = SLOW if args.slow else FAST
    os.chdir(ROOT)
    if args.inner:
        run_mutmut(part, args.children)
        return 0
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    LOG.parent.mkdir()
    started = time.monotonic()
    # an open() that leaves the encoding to the locale warns, so that a test can fail on it
    inner = [
        sys.executable,
        "-X",
        "warn_default_encoding",
        __file__,
        "--inner",
        "--children",
        str(args.children),
    ]
    with LOG.open("w", encoding="utf-8") as log:
        done = subprocess.run(inner + (["--slow"] if args.slow else []), stdout=log, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        print(f"mutmut failed (exit {done.returncode}); its output is in {LOG}", file=sys.stderr)
        return 1
    mutants = collect(part)
    rows = scores(part, mutants)
    print(table(rows))
    print(f"\n{part.name} part: {len(mutants)} mutants in {seconds:.0f}s")
    survivors = [m for m in mutants if m.status not in DETECTED and m.equivalent is None]
    seen = {(m.function, _normal(m.mutated)) for m in mutants if m.equivalent is not None}
    modules = {m.removeprefix("src/").removesuffix(".py").replace("/", ".") for m in part.modules}
    stale = [
        e
        for e in EQUIVALENT
        if e.function.rsplit(".", 1)[0] in modules and (e.function, _normal(e.mutated)) not in seen
    ]
    for m in survivors:
        print(f"\nSURVIVED ({m.status}): {m.name}\n{m.diff}")
    killed_listed = [e for e in stale if _killed_now(e, mutants)]
    missing = [e for e in stale if e not in killed_listed]
    for e in killed_listed:  # not a failure: the tests are stronger than the list says
        print(f"\nLISTED AS EQUIVALENT BUT KILLED (drop it from the list): {e.function}: {e.mutated}")
    for e in missing:
        print(f"\nLISTED AS EQUIVALENT BUT NO SUCH MUTANT (the code changed?): {e.function}: {e.mutated}")
    if args.docs:
        write_docs(part, table(rows) + "\n\n" + equivalents_table(mutants))
    return 1 if survivors or missing else 0


if __name__ == "__main__":
    sys.exit(main())
