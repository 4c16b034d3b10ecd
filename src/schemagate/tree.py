"""Small helpers to read libpg_query's JSON parse trees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Node = dict[str, Any]


def strings(items: list[Node] | None) -> list[str]:
    """A list of String nodes, e.g. a qualified name, as plain strings."""
    return [i["String"]["sval"] for i in items or () if "String" in i]


def relation(rangevar: Node | None, default_schema: str = "public") -> str:
    """A RangeVar as schema.name, unqualified names in the default schema."""
    if not rangevar:
        return ""
    return f"{rangevar.get('schemaname') or default_schema}.{rangevar.get('relname', '')}"


def qualified(names: list[str], default_schema: str = "public") -> str:
    return ".".join(names) if len(names) > 1 else f"{default_schema}.{names[0]}" if names else ""


def walk(node: Any, inside_sublink: bool = False) -> Iterator[tuple[str, Node, bool]]:
    """Every (node type, node, is it inside a sub-select) below node."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict) and key[:1].isupper():
                yield key, value, inside_sublink
                yield from walk(value, inside_sublink or key == "SubLink")
            else:
                yield from walk(value, inside_sublink)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item, inside_sublink)
