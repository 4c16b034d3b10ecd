"""A pgTAP test file read as psql reads it: statements cut where psql cuts them, variables
interpolated, the few meta-commands test files use carried out, every other one refused by name.

pg_prove hands each file to `psql --file`, so a test file is a psql script, not plain SQL: it may
`\\set` a variable and use it as `:name`, `:'name'` or `:"name"`, pull in a helper file with `\\i`
or `\\ir`, or `\\echo` a line. The lexer follows psql's own rules for where a statement ends (a
semicolon outside quotes, comments, parentheses and a `BEGIN ATOMIC` body) so that every statement
keeps the file and line it came from: a failing test is reported there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from schemagate.errors import InputError
from schemagate.repofiles import MIB, SQL_LIMIT, read_limited

# Meta-commands that only change how psql formats what it prints: TAP lines are read from the rows
# themselves, so these change nothing here.
_FORMATTING = frozenset({"pset", "timing", "t", "a", "x", "f", "H", "C", "encoding"})
_INCLUDE = {"i": False, "include": False, "ir": True, "include_relative": True}
_NESTING = 16  # \i within \i: deeper than this is a loop
# What one file may read through its includes, all told: a file that includes another a million
# times, which includes a third a million times, is no loop, and would keep this process reading
# (and the check past its time limit: no statement runs for the watchdog to end) for ever
INCLUDED_LIMIT = 2 * SQL_LIMIT
_WORD = re.compile(r"[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*")
_VARIABLE = re.compile(r"[A-Za-z0-9_\u0080-\uffff]+")
_QUOTED_VARIABLE = re.compile(r":(['\"])([A-Za-z0-9_\u0080-\uffff]+)\1")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$")


class Unsupported(InputError):
    """What psql would do and this runner does not: the file cannot be verified here."""


@dataclass(frozen=True)
class Sql:
    """One statement to send, where it starts."""

    text: str
    path: Path
    line: int
    words: tuple[str, ...]  # its first two words, lower case: BEGIN, COMMIT, ROLLBACK TO …


@dataclass(frozen=True)
class Echo:
    """A line `\\echo` prints: psql writes it among the rows, so it is part of the TAP stream."""

    text: str
    path: Path
    line: int


Step = Sql | Echo


@dataclass
class Session:
    """What lasts across the files of one psql run: its variables and its working folder."""

    folder: Path  # where `\i relative/path` starts: the tests folder, as pg_prove is run there
    root: Path  # no file outside it is read (the repository)
    variables: dict[str, str] = field(default_factory=dict)
    quit: bool = False
    read: int = 0  # bytes read so far, the file's own and its includes'


def steps(path: Path, session: Session) -> Iterator[Step]:
    """The file's statements and echoes, in order; meta-commands are carried out as they come,
    so a `\\set` applies from where it stands."""
    yield from _Reader(path, session, depth=0, chain=()).run()


class _Reader:
    def __init__(self, path: Path, session: Session, depth: int, chain: tuple[Path, ...]) -> None:
        raw = read_limited(path, SQL_LIMIT, root=session.root)
        session.read += len(raw)
        if session.read > INCLUDED_LIMIT:
            raise InputError(
                f"with its includes the file is over {INCLUDED_LIMIT // MIB} MB: stopped here", path=path
            )
        try:
            # psql skips a byte-order mark at the start of a file (editors on Windows write one)
            self.text = raw.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 (byte {exc.start})", path=path) from None
        self.path, self.session, self.depth = path, session, depth
        self.chain = (*chain, path.resolve())
        self.pos, self.line = 0, 1
        self.buffer: list[str] = []
        self.start_line = 0  # the line of the buffer's first character that is not blank
        self.parens = 0
        self.words: list[str] = []
        self.atomic = 0  # BEGIN/CASE ... END depth inside CREATE FUNCTION/PROCEDURE

    # the statement being built --------------------------------------------------------------------
    def _add(self, text: str) -> None:
        if not self.start_line and text.strip():
            self.start_line = self.line
        self.buffer.append(text)
        self.line += text.count("\n")

    def _flush(self) -> Sql | None:
        text = "".join(self.buffer).strip()
        made = Sql(text, self.path, self.start_line, tuple(self.words[:2])) if text else None
        self.buffer, self.start_line, self.parens, self.words, self.atomic = [], 0, 0, [], 0
        return made

    def _word(self, word: str) -> None:
        lowered = word.lower()
        self.words.append(lowered)
        routine = self.words[:2] in (["create", "function"], ["create", "procedure"]) or self.words[:4] in (
            ["create", "or", "replace", "function"],
            ["create", "or", "replace", "procedure"],
        )
        if routine and lowered in {"begin", "case"}:
            self.atomic += 1
        elif routine and lowered == "end" and self.atomic:
            self.atomic -= 1

    # the lexer ------------------------------------------------------------------------------------
    def run(self) -> Iterator[Step]:
        text = self.text
        while self.pos < len(text) and not self.session.quit:
            ch = text[self.pos]
            if ch == "\\":
                yield from self._meta()
            elif ch == ";" and not self.parens and not self.atomic:
                self.pos += 1
                made = self._flush()
                if made:
                    yield made
            else:
                self._token(ch)
        made = self._flush()
        if made and not self.session.quit:
            yield made

    def _token(self, ch: str) -> None:
        text, pos = self.text, self.pos
        if text.startswith("--", pos):
            end = text.find("\n", pos)
            self.pos = len(text) if end == -1 else end  # the newline itself counts the line
        elif text.startswith("/*", pos):
            self._take(self._comment_end(pos))
        elif ch == "'":
            escapes = bool(self.buffer) and self.buffer[-1] in {"E", "e"}
            self._take(self._quoted_end(pos, "'", escapes))
        elif ch == '"':
            self._take(self._quoted_end(pos, '"', False))
        elif ch == "$" and (tag := _DOLLAR_TAG.match(text, pos)) and not self._after_word():
            close = text.find(tag[0], tag.end())
            self._take(len(text) if close == -1 else close + len(tag[0]))
        elif ch == ":":
            self._colon()
        elif (found := _WORD.match(text, pos)) is not None:
            word = found[0]
            self._word(word)
            self._add(word)
            self.pos += len(word)
        else:
            self.parens += {"(": 1, ")": -1}.get(ch, 0)
            self._add(ch)
            self.pos += 1

    def _after_word(self) -> bool:
        # `a$1$` is an identifier holding dollars, not the start of a dollar quote
        return bool(self.buffer) and bool(re.match(r"[A-Za-z0-9_]", self.buffer[-1][-1:]))

    def _take(self, end: int) -> None:
        self._add(self.text[self.pos : end])
        self.pos = end

    def _comment_end(self, pos: int) -> int:
        depth, i, text = 0, pos, self.text
        while i < len(text):
            if text.startswith("/*", i):
                depth, i = depth + 1, i + 2
            elif text.startswith("*/", i):
                depth, i = depth - 1, i + 2
                if not depth:
                    return i
            else:
                i += 1
        return len(text)

    def _quoted_end(self, pos: int, quote: str, escapes: bool) -> int:
        i, text = pos + 1, self.text
        while i < len(text):
            if escapes and text[i] == "\\":
                i += 2
            elif text[i] == quote:
                if text.startswith(quote * 2, i):
                    i += 2
                else:
                    return i + 1
            else:
                i += 1
        return len(text)

    def _colon(self) -> None:
        """`::type` stays; `:name`, `:'name'` and `:"name"` become the variable's value, quoted as
        a literal or an identifier; an unknown name stays as it is, as psql leaves it."""
        text, pos = self.text, self.pos
        if text.startswith("::", pos):
            self._add("::")
            self.pos += 2
            return
        quoted = _QUOTED_VARIABLE.match(text, pos)
        plain = _VARIABLE.match(text, pos + 1)
        variables = self.session.variables
        if quoted and quoted[2] in variables:
            self._add(_quoted(variables[quoted[2]], quoted[1]))
            self.pos = quoted.end()
        elif plain and plain[0] in variables:
            self._add(variables[plain[0]])
            self.pos = plain.end()
        else:
            self._add(":")
            self.pos += 1

    # meta-commands --------------------------------------------------------------------------------
    def _meta(self) -> Iterator[Step]:
        """A backslash command runs to the end of its line (or to a `\\\\` outside quotes)."""
        text, line = self.text, self.line
        end = text.find("\n", self.pos)
        end = len(text) if end == -1 else end
        rest = text[self.pos + 1 : end]
        cut = _separator(rest)
        if cut != -1:
            rest = rest[:cut]
        self.pos += 1 + len(rest) + (2 if cut != -1 else 0)
        name = re.match(r"[A-Za-z_?!]*", rest)[0]  # type: ignore[index]
        args = self._arguments(rest[len(name) :], line)
        yield from self._command(name, args, line)

    def _command(self, name: str, args: list[str], line: int) -> Iterator[Step]:
        variables = self.session.variables
        if name == "set":
            if args:
                variables[args[0]] = "".join(args[1:])
        elif name == "unset":
            for arg in args[:1]:
                variables.pop(arg, None)
        elif name in {"echo", "qecho"}:
            yield Echo(" ".join(args), self.path, line)
        elif name in _INCLUDE:
            yield from self._include(name, args, line)
        elif name in {"q", "quit"}:
            made = self._flush()
            if made:
                yield made
            self.session.quit = True
        elif name in _FORMATTING:
            pass
        else:
            raise Unsupported(
                f"psql meta-command \\{name} is not supported in a test file here "
                r"(supported: \set, \unset, \i, \ir, \echo, \q, and formatting ones)",
                path=self.path,
                line=line,
            )

    def _include(self, name: str, args: list[str], line: int) -> Iterator[Step]:
        if not args:
            raise InputError(f"\\{name} needs a file name", path=self.path, line=line)
        base = self.path.parent if _INCLUDE[name] else self.session.folder
        target = base / args[0]
        if target.resolve() in self.chain or self.depth >= _NESTING:
            raise InputError(f"\\{name} {args[0]} includes itself", path=self.path, line=line)
        try:
            inner = _Reader(target, self.session, self.depth + 1, self.chain)
        except InputError as exc:
            raise InputError(f"\\{name} {args[0]}: {exc.message}", path=self.path, line=line) from None
        yield from inner.run()

    def _arguments(self, rest: str, line: int) -> list[str]:
        """psql's argument rules: whitespace apart, 'quoted' with backslash escapes, "double"
        kept with its quotes, :name interpolated; `backticks` would run a shell: refused."""
        args, i = [], 0
        while i < len(rest):
            if rest[i].isspace():
                i += 1
                continue
            if rest[i] == "`":
                raise Unsupported("psql backquotes run a shell command: refused", path=self.path, line=line)
            arg, i = self._argument(rest, i)
            args.append(arg)
        return args

    def _argument(self, rest: str, i: int) -> tuple[str, int]:
        """One argument, as psql's backslash lexer reads it: 'single' quotes with backslash
        escapes and '' for a quote, "double" quotes kept as they are, and :name, :'name' and
        :"name" interpolated outside quotes, even in the middle of a word (`\\set both :'a' :'b'`
        is how suites join values)."""
        out: list[str] = []
        variables = self.session.variables
        while i < len(rest) and not rest[i].isspace():
            ch = rest[i]
            if ch == "'":
                i = _single_quoted(rest, i + 1, out)
            elif ch == '"':
                end = _double_quoted_end(rest, i + 1)
                out.append(rest[i:end])
                i = end
            elif ch == ":" and (quoted := _QUOTED_VARIABLE.match(rest, i)):
                # a name that is not set stays as written, quotes and all
                name = quoted[2]
                out.append(_quoted(variables[name], quoted[1]) if name in variables else quoted[0])
                i = quoted.end()
            elif ch == ":" and (found := _VARIABLE.match(rest, i + 1)) and found[0] in variables:
                out.append(variables[found[0]])
                i = found.end()
            else:
                out.append(ch)
                i += 1
        return "".join(out), i


def _separator(rest: str) -> int:
    """Where `\\\\` ends a meta-command's arguments, or -1; inside 'quotes' it is an escaped
    backslash, inside "quotes" two characters."""
    i = 0
    while i < len(rest):
        if rest[i] == "'":
            i = _single_quoted(rest, i + 1, [])
        elif rest[i] == '"':
            i = _double_quoted_end(rest, i + 1)
        elif rest.startswith("\\\\", i):
            return i
        else:
            i += 1
    return -1


_ESCAPES = {"n": "\n", "t": "\t", "b": "\b", "r": "\r", "f": "\f"}


def _single_quoted(rest: str, i: int, out: list[str]) -> int:
    """The inside of a 'quoted' argument, from `i`, into `out`; where it ends."""
    while i < len(rest):
        ch = rest[i]
        if ch == "'" and rest.startswith("''", i):
            out.append("'")
            i += 2
        elif ch == "'":
            return i + 1
        elif ch == "\\" and i + 1 < len(rest):
            out.append(_ESCAPES.get(rest[i + 1], rest[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return i


def _double_quoted_end(rest: str, i: int) -> int:
    """Where a "quoted" argument that opened before `i` ends ("" is a quote inside it)."""
    while i < len(rest):
        if rest.startswith('""', i):
            i += 2
        elif rest[i] == '"':
            return i + 1
        else:
            i += 1
    return i


def _quoted(value: str, quote: str) -> str:
    """:'name' and :"name" as psql writes them (PQescapeLiteral, PQescapeIdentifier): a value
    with a backslash becomes ` E'…'` with the backslash doubled, leading space included."""
    if quote == '"':
        return '"' + value.replace('"', '""') + '"'
    literal = "'" + value.replace("'", "''").replace("\\", "\\\\") + "'"
    return " E" + literal if "\\" in value else literal
