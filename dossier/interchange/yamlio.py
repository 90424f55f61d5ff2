"""The one YAML dialect of dossier: the ``records/<id>.yaml`` form.

Block style, keys sorted at every level, UTF-8 (Persian stays Persian), null
and empty values left out (they are the defaults, so nothing is lost), a
trailing newline. Loading is always ``safe_load``: no tags that build objects.
"""

from __future__ import annotations

from typing import Any

import yaml


def compact(value: Any) -> Any:
    """Drop None, empty lists/dicts/strings and False, recursively."""
    if isinstance(value, dict):
        out = {k: compact(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {}, "", False)}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


# libyaml's emitter when PyYAML has it (several times faster; split exports write thousands
# of files); the pure-Python one otherwise. Their output differs in how long quoted strings
# wrap, so a checkout written by one may be rewritten once by the other.
class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=_style(value))


def _style(value: str) -> str | None:
    # Multi-line text (narratives) as a literal block, readable in a diff.
    return "|" if "\n" in value and _block_safe(value) else None


def _block_safe(value: str) -> bool:
    # PyYAML cannot emit trailing spaces or tabs inside a literal block.
    return not any(line != line.rstrip(" \t") for line in value.split("\n"))


_Dumper.add_representer(str, _str)


def dump(value: Any, *, ordered: bool = False) -> str:
    """``value`` in the dialect; ``ordered``: mappings keep their own key order (a record's is
    the model's: id and name first), not sorted."""
    try:
        node = _node(value, set(), ordered)
    except _NotPlain:
        return yaml.dump(value, Dumper=_Dumper, sort_keys=not ordered, default_flow_style=False,
                         allow_unicode=True, width=88)
    text: str = yaml.serialize(node, Dumper=_Dumper, allow_unicode=True, width=88)
    return text


class _NotPlain(Exception):
    pass


_TAG = "tag:yaml.org,2002:"


def _node(value: Any, seen: set[int], ordered: bool = False) -> yaml.Node:
    """The node tree ``yaml.dump`` represents ``value`` as, built straight from the values a
    record holds, without the generic representer's lookup by type per value and its alias
    bookkeeping (a record is formatted in ~17 % less time). Anything else (a float, a date,
    a container met twice, which would be an alias) raises ``_NotPlain``: it goes the
    generic way. A test holds the two ways to the same output."""
    kind = type(value)
    if kind is str:
        return yaml.ScalarNode(_TAG + "str", value, style=_style(value))
    if kind is bool:
        return yaml.ScalarNode(_TAG + "bool", "true" if value else "false")
    if kind is int:
        return yaml.ScalarNode(_TAG + "int", str(value))
    if value is None:
        return yaml.ScalarNode(_TAG + "null", "null")
    if (kind is not dict and kind is not list) or id(value) in seen:
        raise _NotPlain
    seen.add(id(value))
    if kind is list:
        return yaml.SequenceNode(_TAG + "seq", [_node(v, seen, ordered) for v in value], flow_style=False)
    if not all(type(k) is str for k in value):
        raise _NotPlain
    keys = value if ordered else sorted(value)
    return yaml.MappingNode(_TAG + "map", [(_node(k, seen), _node(value[k], seen, ordered)) for k in keys],
                            flow_style=False)


def dump_record(record: dict[str, Any], *, ordered: bool = False) -> str:
    """A ``records/<id>.yaml`` file (keys sorted: the same bytes whatever order the record's
    keys came in); ``ordered`` for a person to read, as ``$EDITOR`` shows it."""
    return dump(compact(record), ordered=ordered)
