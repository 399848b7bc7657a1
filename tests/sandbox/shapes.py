"""Comparing a sandbox body with recorded FreshBooks bodies: same keys, same value types.

A body is reduced to a *shape*: for each path, the set of JSON types seen there (lists merge all
their items). A sandbox body matches a fixture when:

- every key of the fixture exists in the sandbox body (at every depth);
- every key of the sandbox body exists in the fixture, unless explicitly allowed as documented
  extra (the reference names it);
- the sandbox's types at a path are types the fixture shows there; ``null`` only where the fixture
  also shows ``null`` (or where the reference says null is possible, listed with a reason);
- where the fixture only shows ``null``, any type is accepted (the fixture says nothing more);
- a list the fixture shows with items must have items in the sandbox body too, so that the items
  are compared rather than skipped;
- paths listed as maps (keys are data, e.g. account ids) compare their values, not their keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Shape:
    types: set[str] = field(default_factory=set)
    keys: dict[str, Shape] = field(default_factory=dict)
    items: Shape | None = None
    empty_list_seen: bool = False


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {value!r}")


def shape_of(
    value: Any, shape: Shape | None = None, *, maps: frozenset[str] = frozenset(), path: str = ""
) -> Shape:
    """Merge ``value`` into ``shape`` (a new one if None)."""
    shape = shape or Shape()
    kind = json_type(value)
    shape.types.add(kind)
    if kind == "object":
        if path in maps:
            for item in value.values():
                shape.items = shape_of(item, shape.items, maps=maps, path=f"{path}{{}}")
        else:
            for key, item in value.items():
                child_path = f"{path}.{key}" if path else key
                shape.keys[key] = shape_of(item, shape.keys.get(key), maps=maps, path=child_path)
    elif kind == "list":
        if not value:
            shape.empty_list_seen = True
        for item in value:
            shape.items = shape_of(item, shape.items, maps=maps, path=f"{path}[]")
    return shape


def merged(*values: Any, maps: frozenset[str] = frozenset()) -> Shape:
    shape = Shape()
    for value in values:
        shape_of(value, shape, maps=maps)
    return shape


@dataclass(frozen=True)
class Rules:
    """Documented departures from a fixture, each path written like ``a.b[].c``."""

    extra_keys: frozenset[str] = frozenset()
    nullable: frozenset[str] = frozenset()
    ignored: frozenset[str] = frozenset()
    maps: frozenset[str] = frozenset()


def compare(fixture: Shape, sandbox: Shape, rules: Rules, path: str = "") -> list[str]:
    """Every way ``sandbox`` departs from ``fixture``; empty when the shapes match."""
    if path in rules.ignored:
        return []
    problems: list[str] = []
    where = path or "(root)"
    fixture_types = fixture.types
    if fixture_types == {"null"}:
        return problems
    sandbox_types = set(sandbox.types)
    if "null" in sandbox_types and "null" not in fixture_types and path not in rules.nullable:
        problems.append(f"{where}: null where the fixture always has {sorted(fixture_types)}")
    unexpected = sandbox_types - fixture_types - {"null"}
    if unexpected:
        problems.append(
            f"{where}: {sorted(unexpected)} where the fixture has {sorted(fixture_types)}"
        )
    if "object" in fixture_types and "object" in sandbox_types:
        if path in rules.maps:
            if fixture.items is not None and sandbox.items is not None:
                problems += compare(fixture.items, sandbox.items, rules, f"{path}{{}}")
        else:
            for key, child in fixture.keys.items():
                child_path = f"{path}.{key}" if path else key
                if child_path in rules.ignored:
                    continue
                if key not in sandbox.keys:
                    problems.append(f"{child_path}: missing from the sandbox body")
                else:
                    problems += compare(child, sandbox.keys[key], rules, child_path)
            for key in sandbox.keys:
                child_path = f"{path}.{key}" if path else key
                if key not in fixture.keys and child_path not in rules.extra_keys:
                    problems.append(f"{child_path}: not in the fixture (undocumented extra key)")
    if "list" in fixture_types and "list" in sandbox_types and fixture.items is not None:
        if sandbox.items is None:
            problems.append(f"{where}: the fixture has items, the sandbox list is always empty")
        else:
            problems += compare(fixture.items, sandbox.items, rules, f"{path}[]")
    return problems


def assert_same_shape(sandbox_body: Any, *fixture_bodies: Any, rules: Rules | None = None) -> None:
    rules = rules or Rules()
    fixture = merged(*fixture_bodies, maps=rules.maps)
    sandbox = merged(sandbox_body, maps=rules.maps)
    problems = compare(fixture, sandbox, rules)
    assert not problems, "shape differs from the fixture:\n  " + "\n  ".join(problems)
