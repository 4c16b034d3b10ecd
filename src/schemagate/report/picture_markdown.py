"""The picture of a change in the comment: its schema changes and tables as an ER diagram, folded;
the access it opens, as a small table; and the isolation proofs of its new tables."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from schemagate.report.escape import code_block, inline, visible
from schemagate.statements.tree import quoted

if TYPE_CHECKING:
    from schemagate.database.catalog.access import Access
    from schemagate.database.catalog.diff import Change
    from schemagate.database.catalog.inventory import Relations
    from schemagate.findings.change_picture import Picture

LINES = 30  # schema changes listed before the rest is counted
_SIGN = {"added": "+", "removed": "-", "changed": "~"}
_PLURAL = {"index": "indexes", "policy": "policies"}


_HASH = re.compile(r"(?:, )?\b(body|query) ([0-9a-f]{8})\b")
_TRIGGER = re.compile(r"^CREATE (?:CONSTRAINT )?TRIGGER \S+ (.*?) ON \S+ (.*)$")
_KEYWORDS = re.compile(
    r"\b(FOR EACH (ROW|STATEMENT)|EXECUTE (FUNCTION|PROCEDURE)|WHEN|REFERENCING|(NEW|OLD) TABLE AS)\b"
)
_INDEX = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ USING (\S+) (.*)$")


def _short(kind: str, definition: str) -> str:
    """A definition as a reviewer reads it: no hashes, no repeated names."""
    if kind == "index" and (found := _INDEX.match(definition)):
        unique, method, rest = found.groups()
        return f"{'unique ' if unique else ''}{rest}" + ("" if method == "btree" else f" using {method}")
    if kind == "trigger" and (found := _TRIGGER.match(definition)):
        return f"{found[1].lower()}, {_KEYWORDS.sub(lambda m: m[0].lower(), found[2])}"
    return _HASH.sub("", definition).strip(", ")


def _now(change: Change) -> str:
    """What an object is now (or was, when removed), and a word on what its hash hides."""
    if change.change != "changed" or " → " not in change.detail:
        return _short(change.kind, change.detail)
    old, new = change.detail.split(" → ", 1)
    was, now = dict(_HASH.findall(old)), dict(_HASH.findall(new))
    moved = [f"new {word}" for word, digest in now.items() if was.get(word) != digest]
    return ", ".join(x for x in (_short(change.kind, new), *moved) if x)


def _named(change: Change, table: str) -> str:
    """An object's name within its table: a column as `refunded`, an index without its schema."""
    if change.object.startswith(table + "."):
        return change.object[len(table) + 1 :]
    return change.object.split(".", 1)[-1] if change.kind == "index" else change.object


def _part(change: Change, table: str) -> str:
    """A table's part: `+ column refunded boolean not null`, `~ column total → numeric(12,2)`."""
    sign = _SIGN[change.change]
    if change.kind == "rls":
        return f"{sign} RLS {change.detail.split(' → ')[-1]}"
    if change.kind == "grant":
        return f"{sign} grant {change.detail.split(' → ')[-1]} to {change.object.split(' to ', 1)[1]}"
    if change.change == "removed":
        return f"{sign} {change.kind} {_named(change, table)}"
    arrow = "→ " if change.change == "changed" else ""
    return f"{sign} {change.kind} {_named(change, table)} {arrow}{_now(change)}".rstrip()


def lines(changes: list[Change]) -> list[str]:
    """A line per added or removed table, a table's changed parts under it, a line per other
    object; each begins with its sign (+ added, - removed, ~ changed), as a diff reads."""
    tables: dict[str, list[Change]] = {}
    others: list[Change] = []
    for c in changes:
        table = c.table
        (tables.setdefault(table, []) if table else others).append(c)
    out = []
    for table, parts in tables.items():
        own = next((c for c in parts if c.kind == "table" and c.object == table), None)
        rest = [c for c in parts if c is not own and c.kind != "table"]
        if own is not None and own.change == "removed":
            out.append(f"- table {table}")
        elif own is not None and own.change == "added":
            out.append(f"+ table {table} ({', '.join([own.detail, *_counts(rest)])})")
        elif len(rest) == 1:
            out.append(f"~ {table}: {_part(rest[0], table)}")
        else:
            out += [f"~ {table}:", *(f"{_part(c, table)[0]}   {_part(c, table)[2:]}" for c in rest)]
    for c in others:
        detail = _now(c) if c.change != "removed" else ""
        arrow = "→ " if c.change == "changed" and detail else ""
        if detail.startswith(("+ ", "- ")):  # enum values: what came and went
            out.append(f"~ {c.kind} {c.object}: {detail}")
        else:
            out.append(f"{_SIGN[c.change]} {c.kind} {c.object} {arrow}{detail}".rstrip())
    return out


def _counts(parts: list[Change]) -> list[str]:
    kinds = [c.kind for c in parts if c.kind not in {"column", "rls", "grant"}]
    named = {k: kinds.count(k) for k in dict.fromkeys(kinds)}
    out = [f"{n} {k if n == 1 else _PLURAL.get(k, k + 's')}" for k, n in named.items()]
    rls = next((c for c in parts if c.kind == "rls"), None)
    return [*out, f"RLS {rls.detail}"] if rls else out


def _word(text: str, allowed: str = r"\w") -> str:
    """Text as a Mermaid name: letters, digits and underscores (and `allowed`); a character that
    shows nothing or reorders the rest (U+202E, U+200B, a newline) as its code, so the picture
    does not hide it."""
    return re.sub(f"[^{allowed}]", lambda m: "_" if m[0].isprintable() else f"_u{ord(m[0]):04x}_", text)


def _entity(name: str) -> str:
    """A Mermaid entity name: letters, digits and underscores; public tables by their own name."""
    schema, _, table = name.partition(".")
    plain = table.strip('"') if schema == "public" else f"{schema.strip(chr(34))}_{table.strip(chr(34))}"
    return _word(plain) or "table"


def _entities(names: list[str]) -> dict[str, str]:
    """Each table's entity name, told apart where two would read the same (a_b.c and a.b_c)."""
    out: dict[str, str] = {}
    for name in names:
        entity, n = _entity(name), 2
        while entity in out.values():
            entity, n = f"{_entity(name)}_{n}", n + 1
        out[name] = entity
    return out


def _token(text: str) -> str:
    return _word(text.replace("[]", "_array")) or "x"


def mermaid(relations: Relations, columns: int = 8) -> str:
    """An erDiagram of the tables: the change's own with their keys and first columns, their
    neighbours by primary key alone, and each foreign key."""
    entity = _entities(list(relations.tables))
    out = ["erDiagram"]
    for table, cols in relations.tables.items():
        neighbour = relations.touched and table not in relations.touched
        shown = [c for c in cols if "PK" in c.keys.split(",")] if neighbour else cols
        keyed = sorted(shown, key=lambda c: not c.keys)[:columns]
        out.append(f"  {entity[table]} {{")
        for c in sorted(keyed, key=cols.index):
            keys = f" {c.keys}" if c.keys else ""
            out.append(f"    {_token(c.type)} {_token(c.name)}{keys}")
        out.append("  }")
    for edge in relations.edges:
        many = "|o--o{" if edge.optional else "||--o{"
        # a label is the one free text in the diagram: nothing but letters, digits, spaces and
        # commas, so no quote, newline or `%%` can end it and add lines (links, directives)
        label = _word(edge.columns, r"\w ,")
        out.append(f'  {entity[edge.parent]} {many} {entity[edge.child]} : "{label}"')
    return "\n".join(out)


def render(picture: Picture | None) -> list[str]:
    if picture is None or not picture.changes:
        return []
    # one entry, one line: a name holding a newline must not start a `+`/`-` line of its own
    listed = [visible(line) for line in lines(picture.changes)]
    more = [f"… and {len(listed) - LINES} more in the JSON report"] if len(listed) > LINES else []
    summary = f"<details><summary>🗂️ Schema changes: {_tally(picture.changes)}</summary>"
    out = ["", summary, "", code_block("\n".join(listed[:LINES] + more), "diff")]
    if picture.relations and picture.relations.tables:
        out += ["", code_block(mermaid(picture.relations), "mermaid")]
        if picture.relations.left_out:
            out.append(f"\n{picture.relations.left_out} more related tables are left out of the picture.")
    return [*out, *_isolation(picture), *_scoped_access(picture), "", "</details>"]


def _tally(changes: list[Change]) -> str:
    whole = {c.object: c.change for c in changes if c.kind == "table" and c.change != "changed"}
    added = sum(change == "added" for change in whole.values())
    removed = len(whole) - added
    changed = len({c.table for c in changes if c.table} - set(whole))
    others = len([c for c in changes if c.table is None])
    parts = [
        f"{added} table{'' if added == 1 else 's'} added" if added else "",
        f"{removed} removed" if removed else "",
        f"{changed} changed" if changed else "",
        f"{others} other object{'' if others == 1 else 's'}" if others else "",
    ]
    return ", ".join(p for p in parts if p) or f"{len(changes)} changes"


_PRIVILEGE_ORDER = ("select", "insert", "update", "delete")


def _how(a: Access) -> str:
    """How a role reaches the rows: RLS off, a view, a policy for every caller alike, or one whose
    rows depend on who asks."""
    if a.kind in {"v", "m"}:
        return "🔓 a view: rows as the view's owner reads them, unless security_invoker"
    if a.via.endswith("RLS off") or "; RLS off;" in a.via:
        return "🔓 RLS off: every row"
    if a.alike:
        name, expression = a.alike[0]
        return f"🔓 policy {quoted(name)} gives every caller the same rows: {expression}"
    return f"🔒 {a.via.split('; ', 1)[-1]}: rows depend on the caller"


def _access_rows(picture: Picture) -> list[tuple[str, str]]:
    """(how, row) for every table, view and function an API role reaches now and did not before,
    a row for each way in (tables reached alike share a row); open to anyone (🔓) first."""
    reach: dict[tuple[str, str], dict[str, set[str]]] = {}  # (table, how) -> role -> privileges
    for a in picture.access:
        if a.opened:
            reach.setdefault((a.table, _how(a)), {}).setdefault(a.role, set()).add(a.privilege)
    alike: dict[tuple[str, str, str], list[str]] = {}  # (roles, privileges, how) -> tables
    for (table, how), roles in reach.items():
        privileges = sorted(set().union(*roles.values()), key=_PRIVILEGE_ORDER.index)
        alike.setdefault((", ".join(roles), ", ".join(privileges), how), []).append(table)
    rows = [
        (how, f"| {inline(', '.join(t))} | {who} | {what} | {inline(how)} |")
        for (who, what, how), t in alike.items()
    ]
    calls: dict[tuple[str, bool], list[str]] = {}
    for name, role, definer in picture.functions:
        calls.setdefault((name, definer), []).append(role)
    for (name, definer), callers in calls.items():
        how = "🔓 SECURITY DEFINER: runs as its owner" if definer else "🔒 runs as the caller"
        rows.append((how, f"| {inline(name)} | {', '.join(callers)} | call it (rpc) | {inline(how)} |"))
    return sorted(rows, key=lambda r: r[0].startswith("🔒"))


_ACCESS_HEAD = ["| Table, view or function | Role | Now can | How |", "|---|---|---|---|"]


def access_lines(picture: Picture | None) -> list[str]:
    """The access the change opens, never folded, when any of it is open to every caller alike
    (RLS off, a view, a policy that reads the row alone, a SECURITY DEFINER function); access
    scoped to the caller is the policies doing their work, shown with the schema changes."""
    rows = _access_rows(picture) if picture is not None else []
    if not any(not how.startswith("🔒") for how, _ in rows):
        return []
    return ["", "**🔑 Access this change opens:**", "", *_ACCESS_HEAD, *(row for _, row in rows)]


def _scoped_access(picture: Picture) -> list[str]:
    rows = _access_rows(picture)
    if not rows or any(not how.startswith("🔒") for how, _ in rows):
        return []
    return [
        "",
        "🔑 Access this change opens, each scoped to the caller:",
        "",
        *_ACCESS_HEAD,
        *(r for _, r in rows),
    ]


def _isolation(picture: Picture) -> list[str]:
    out = []
    for proof in picture.proofs:
        if proof.leaks:
            continue  # a finding of its own
        if proof.unproven or proof.unsure:
            why = proof.unproven or "; ".join(proof.unsure)
            out.append(f"- 🔓 {inline(f'isolation of {proof.table} not proven: {why}')}")
        else:
            tried = ", ".join(proof.held)
            opened = f"; {'; '.join(proof.open)} open to every caller" if proof.open else ""
            line = f"isolation proven for {proof.table} by {proof.owner} ({tried}){opened}"
            out.append(f"- 🔒 {inline(line)}")
    return ["", *out] if out else []
