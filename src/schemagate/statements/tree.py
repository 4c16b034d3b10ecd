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


def quoted(name: str) -> str:
    """A name in double quotes, as a reviewer reads it in a sentence: `policy "Public profiles are
    viewable by everyone." on public.profiles` (a bare name with spaces and a full stop does not read)."""
    return '"' + name.replace('"', '""') + '"'


def dotted_parts(name: str) -> list[str]:
    """A dotted name as PostgreSQL writes it (`public.notes."Anyone reads."`) cut at the dots
    outside double quotes, each part kept as written."""
    parts, current, inside = [], "", False
    for char in name:
        if char == '"':
            inside = not inside  # a doubled "" inside quotes flips twice: still inside
        if char == "." and not inside:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def qualified(names: list[str], default_schema: str = "public") -> str:
    return ".".join(names) if len(names) > 1 else f"{default_schema}.{names[0]}" if names else ""


def subject(node_type: str, node: Node) -> tuple[str, str] | None:
    """(kind, qualified name) of the object a statement creates or alters: a table (also for its
    indexes, policies and comment), a function, a view or an extension."""
    if node_type in {"CreateStmt", "AlterTableStmt", "IndexStmt"}:
        return "table", relation(node.get("relation"))
    if node_type in {"CreatePolicyStmt", "AlterPolicyStmt"}:
        return "table", relation(node.get("table"))
    if node_type == "CreateFunctionStmt":
        return "function", qualified(strings(node.get("funcname")))
    if node_type == "ViewStmt":
        return "view", relation(node.get("view"))
    if node_type == "CreateExtensionStmt":
        return "extension", str(node.get("extname"))
    if node_type == "CommentStmt" and node.get("objtype") == "OBJECT_TABLE":
        return "table", qualified(strings(node.get("object", {}).get("List", {}).get("items")))
    return None


def objects(node_type: str, node: Node) -> list[tuple[str, str]]:
    """(kind, key) of every object a statement creates or changes, keyed as the catalog rules key
    them (rules/catalog): a table, and the policy or constraint on it; a function, view, extension."""
    found = subject(node_type, node)
    made = [found] if found else []
    if node_type in {"CreatePolicyStmt", "AlterPolicyStmt"}:
        made.append(("policy", f"{relation(node.get('table'))}|{node.get('policy_name')}"))
    elif node_type in {"CreateStmt", "AlterTableStmt"}:
        table = relation(node.get("relation"))
        made += [("constraint", f"{table}|{name}") for name in _constraint_names(node_type, node, table)]
    return made


def _constraint_names(node_type: str, node: Node, table: str) -> Iterator[str]:
    """Names of the constraints a CREATE or ALTER TABLE adds: given, or as PostgreSQL names them."""
    bare = table.split(".", 1)[-1]
    if node_type == "CreateStmt":
        elements = node.get("tableElts", [])
    else:
        elements = [
            c["AlterTableCmd"]["def"] for c in node.get("cmds", ()) if "def" in c.get("AlterTableCmd", {})
        ]
    for element in elements:
        column = element.get("ColumnDef", {})
        constraints = [c.get("Constraint", {}) for c in column.get("constraints", ())] or [
            element.get("Constraint", {})
        ]
        for constraint in constraints:
            if constraint.get("conname"):
                yield str(constraint["conname"])
            elif constraint.get("contype") == "CONSTR_FOREIGN":
                columns = [column["colname"]] if column else strings(constraint.get("fk_attrs"))
                yield f"{bare}_{'_'.join(columns)}_fkey"[:63]


def mappings(node: Any) -> Iterator[Node]:
    """Every dict below node, the node included: typed nodes and bare fields alike (a RangeVar is
    a node of its own in a list, and a bare `relation` field elsewhere)."""
    stack: list[Any] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def walk(node: Any) -> Iterator[tuple[str, Node, bool]]:
    """Every (node type, node, is it inside a sub-select) below node, without recursion."""
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        current, inside = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                if isinstance(value, dict):
                    if key[:1].isupper():
                        yield key, value, inside
                        stack.append((value, inside or key == "SubLink"))
                    else:
                        stack.append((value, inside))
                elif isinstance(value, list):
                    stack.append((value, inside))
        elif isinstance(current, list):
            stack.extend((item, inside) for item in current if isinstance(item, (dict, list)))
