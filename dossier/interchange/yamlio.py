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
    # Multi-line text (narratives) as a literal block, readable in a diff.
    style = "|" if "\n" in value and _block_safe(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _block_safe(value: str) -> bool:
    # PyYAML cannot emit trailing spaces or tabs inside a literal block.
    return not any(line != line.rstrip(" \t") for line in value.split("\n"))


_Dumper.add_representer(str, _str)


def dump(value: Any) -> str:
    return yaml.dump(
        value,
        Dumper=_Dumper,
        sort_keys=True,
        allow_unicode=True,
        default_flow_style=False,
        width=88,
    )


def dump_record(record: dict[str, Any]) -> str:
    return dump(compact(record))
