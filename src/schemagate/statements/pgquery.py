"""libpg_query's parser, as JSON, without paying for pglast's Python layer when that is possible.

pglast bundles libpg_query inside its extension module, but importing `pglast.parser` first
imports the package's enums and AST classes (about 25 ms, a fifth of a 1,000-file lint). This
module loads that same extension as a plain shared library and calls libpg_query's documented C
entry point, `pg_query_parse`, which is all `pglast.parser.parse_sql_json` does. Where the library
does not export it (another build of pglast), it falls back to pglast itself: same parser, same
output, slower start. Either way the tree is PostgreSQL's own.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import importlib.util
from collections.abc import Callable
from functools import cache
from pathlib import Path


class ParseError(Exception):
    """The parser refused the text: its message and the 0-based character index, when it has one."""

    def __init__(self, message: str, index: int | None) -> None:
        super().__init__(message, index)
        self.message = message
        self.index = index


class _Error(ctypes.Structure):  # PgQueryError, as pg_query.h declares it
    _fields_ = (
        ("message", ctypes.c_char_p),
        ("funcname", ctypes.c_char_p),
        ("filename", ctypes.c_char_p),
        ("lineno", ctypes.c_int),
        ("cursorpos", ctypes.c_int),
        ("context", ctypes.c_char_p),
    )


class _Result(ctypes.Structure):  # PgQueryParseResult; the tree stays a pointer until freed
    _fields_ = (
        ("parse_tree", ctypes.c_void_p),
        ("stderr_buffer", ctypes.c_void_p),
        ("error", ctypes.POINTER(_Error)),
    )


def _index(text: str, cursorpos: int) -> int | None:
    # PostgreSQL's cursor position is 1-based and counts characters
    return cursorpos - 1 if 0 < cursorpos <= len(text) else None


def _extension() -> Path | None:
    spec = importlib.util.find_spec("pglast")  # finds the package without importing it
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            candidate = Path(folder) / f"parser{suffix}"
            if candidate.is_file():
                return candidate
    return None


def _direct() -> Callable[[str], bytes] | None:
    """pg_query_parse straight from pglast's extension, or None where it is not exported."""
    path = _extension()
    if path is None:
        return None
    try:
        library = ctypes.CDLL(str(path))
        parse, free = library.pg_query_parse, library.pg_query_free_parse_result
    except (OSError, AttributeError):
        return None
    parse.argtypes, parse.restype = (ctypes.c_char_p,), _Result
    free.argtypes, free.restype = (_Result,), None

    def parse_json(text: str) -> bytes:
        result = parse(text.encode("utf-8"))
        try:
            if result.error:
                error = result.error.contents
                message = (error.message or b"").decode("utf-8", errors="replace")
                raise ParseError(message, _index(text, error.cursorpos))
            if not result.parse_tree:  # never seen; reading a NULL pointer would end the process
                raise ParseError("the parser returned no tree", None)
            return ctypes.string_at(result.parse_tree)
        finally:
            free(result)

    return parse_json


def _through_pglast() -> Callable[[str], bytes]:
    from pglast import parser

    def parse_json(text: str) -> bytes:
        try:
            return parser.parse_sql_json(text).encode("utf-8")
        except parser.ParseError as exc:
            index = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
            raise ParseError(str(exc.args[0]) if exc.args else str(exc), index) from None

    return parse_json


@cache
def parser() -> Callable[[str], bytes]:
    return _direct() or _through_pglast()


def parse_json(text: str) -> bytes:
    """The statements of `text` as libpg_query's JSON parse tree; ParseError when it is not SQL."""
    return parser()(text)
