"""Each rule id is declared once: one Rule object, in one family's module, beside its one
detector. A module that imports another's rule (to place or fire it) holds that same object."""

from __future__ import annotations

from schemagate.findings import Rule, registry


def _declared() -> dict[str, list[tuple[str, Rule]]]:
    found: dict[str, list[tuple[str, Rule]]] = {}
    for modules in registry.FAMILIES.values():
        for module in modules:
            for value in vars(module).values():
                if isinstance(value, Rule):
                    found.setdefault(value.id, []).append((module.__name__, value))
    return found


def test_every_rule_id_is_one_rule_object() -> None:
    twice = {
        rule_id: sorted(name for name, _ in places)
        for rule_id, places in _declared().items()
        if len({id(made) for _, made in places}) > 1
    }
    assert twice == {}


def test_the_registry_holds_every_declared_rule() -> None:
    assert sorted(_declared()) == registry.ids()
