"""YAML: a list of persons, one person per document, or ``persons: [...]``.

Export writes a list in the ``records/`` dialect of ``dossier.interchange.yamlio`` (keys
sorted, empty values left out); ``export --split`` writes each person with
``yamlio.dump_record``, which is exactly a ``records/<id>.yaml`` file.

Reading composes the node tree first (safe loader, libyaml when available) so
every record keeps the line where its node starts; a key given twice in one
mapping is an error rather than a silent "last one wins", and so is an alias
(``*name``): a record file has no use for one, and aliases are how a small
file expands into a huge one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from dossier.errors import Problem
from dossier.interchange import Item, decode, line_at
from dossier.interchange.yamlio import compact, dump, dump_record

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in seen
            except TypeError:
                continue  # an unhashable key: the base class reports it
            if repeated:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in one mapping", key_node.start_mark)
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML's constructors raise plain Python errors on a scalar their tag cannot hold
        # (`!!int x`): such a value is reported at its line like any other YAML error.
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except _CONSTRUCTION_ERRORS:
            raise _unreadable(node) from None

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        # A date the calendar does not have (`born: 1960-02-30`) stays the text written, so
        # that the model reports it as it reports the same text read from JSON.
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_CONSTRUCTION_ERRORS = (ValueError, TypeError, AttributeError, KeyError, OverflowError)


def _unreadable(node: yaml.Node) -> yaml.constructor.ConstructorError:
    what = repr(node.value) if isinstance(node, yaml.ScalarNode) else (
        "this sequence" if isinstance(node, yaml.SequenceNode) else "this mapping")
    return yaml.constructor.ConstructorError(
        None, None, f"{what} cannot be read as {node.tag.rsplit(':', 1)[-1]}", node.start_mark)


def read(data: bytes, source: str, problems: list[Problem]) -> list[Item]:
    text = decode(data, source, problems)
    if text is None:
        return []
    nodes: list[yaml.Node] = []
    records: list[Any] = []
    loader = _Loader(text)
    documents = 0
    try:
        while loader.check_node():
            document = loader.get_node()
            documents += document is not None
            shared = _shared_node(document)
            if shared is not None:
                problems.append(Problem(
                    "YAML aliases (*name) are not accepted: write the value out in full "
                    "(the anchored value starts here)", source=source, line=shared.start_mark.line + 1))
                continue
            for node in _record_nodes(document, source, problems):
                records.append(loader.construct_object(node, deep=True))
                nodes.append(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        problems.append(Problem(f"not valid YAML: {what}", source=source,
                                line=mark.line + 1 if mark else None))
        return []
    except yaml.YAMLError as exc:  # reader errors: characters YAML does not allow
        position = getattr(exc, "position", None)
        line = line_at(text, position) if isinstance(position, int) else None
        reason = getattr(exc, "reason", None) or str(exc)
        problems.append(Problem(f"not valid YAML: {reason}", source=source, line=line))
        return []
    finally:
        loader.dispose()
    if not documents:
        problems.append(Problem("no persons in this file (only comments)", source=source, line=1))
    lines = [n.start_mark.line + 1 for n in nodes]
    return [Item(source, i, record, lines) for i, record in enumerate(records)]


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def field_lines(text: str, wanted: Sequence[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The line of each ``(record's first line, field path)`` of ``wanted`` in a YAML text
    (``posts[1].start``: the line of that value; as deep as the path goes in the file).
    Read again only when problems are reported: the node trees are not kept meanwhile."""
    starts: dict[int, yaml.Node] = {}
    loader = _Loader(text)
    try:
        while loader.check_node():
            document = loader.get_node()
            for record in _record_nodes(document, "", []):
                starts[record.start_mark.line + 1] = record
    except yaml.YAMLError:
        return {}
    finally:
        loader.dispose()
    found = {}
    for start, path in wanted:
        node: yaml.Node | None = starts.get(start)
        for name, index in _STEP.findall(path):
            child = None
            if name and isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value
                              if isinstance(k, yaml.ScalarNode) and k.value == name), None)
            elif index and isinstance(node, yaml.SequenceNode) and int(index) < len(node.value):
                child = node.value[int(index)]
            if child is None:
                break
            node = child
        if node is not None and node is not starts.get(start):
            found[(start, path)] = node.start_mark.line + 1
    return found


def at_field_lines(text: str, problems: Sequence[Problem], source: str) -> list[Problem]:
    """``problems`` with those of ``source`` that name a field moved from the line of their
    record to the line of that field (``bad.yaml:4: stauts: unknown field``, not ``:1:``); a
    problem without a line is of the one record of the text (the ``$EDITOR`` file)."""
    from dataclasses import replace

    first = _first_record_line(text)
    wanted = [(p.line or first, p.field) for p in problems if p.source == source and p.field]
    if not wanted:
        return list(problems)
    lines = field_lines(text, wanted)
    return [replace(p, line=lines.get((p.line or first, p.field), p.line))
            if p.source == source and p.field else p for p in problems]


def _first_record_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.lstrip().startswith(("#", "---", "%")):
            return number
    return 1


def _shared_node(root: yaml.Node | None) -> yaml.Node | None:
    """A node reached twice, which only an alias can do (an alias bomb starts this way)."""
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return node
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return None


def _record_nodes(document: yaml.Node | None, source: str, problems: list[Problem]) -> list[yaml.Node]:
    if document is None:
        return []
    if isinstance(document, yaml.SequenceNode):
        return list(document.value)
    if isinstance(document, yaml.MappingNode):
        keys = [k.value for k, _ in document.value if isinstance(k, yaml.ScalarNode)]
        if "persons" in keys:
            if len(document.value) != 1:
                problems.append(Problem("unknown top-level key next to \"persons\"", source=source,
                                        line=document.start_mark.line + 1))
                return []
            persons = document.value[0][1]
            if isinstance(persons, yaml.SequenceNode):
                return list(persons.value)
            problems.append(Problem("must be a list of persons", field="persons", source=source,
                                    line=persons.start_mark.line + 1))
            return []
        return [document]
    problems.append(Problem(
        "expected a person (a mapping) or a list of persons, got a single value",
        source=source, line=document.start_mark.line + 1))
    return []


def write(records: Sequence[dict[str, Any]]) -> bytes:
    return dump([compact(r) for r in records]).encode("utf-8")


def write_one(record: dict[str, Any]) -> bytes:
    return dump_record(record).encode("utf-8")


def loads(text: str) -> Any:
    """One YAML document read as strictly as a file to import; any fault is a ``yaml.YAMLError``."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return loader.construct_document(node)
        except _CONSTRUCTION_ERRORS:  # (raised by a collection's constructor after it yields)
            raise yaml.constructor.ConstructorError(
                None, None, "a value cannot be read as its tag says", node.start_mark) from None
    finally:
        loader.dispose()


def read_record(text: str, source: str) -> dict[str, Any]:
    """One person as a YAML mapping (the ``$EDITOR`` file), read as strictly as ``import``
    reads a file: a key given twice, an alias or a tag is an error with its line."""
    from dossier.errors import InvalidInput

    problems: list[Problem] = []
    items = read(text.encode("utf-8"), source, problems)
    if problems:
        raise InvalidInput(problems)
    if len(items) != 1 or not isinstance(items[0].data, dict):
        raise InvalidInput(Problem("the record must be one YAML mapping", source=source))
    return dict(items[0].data)
