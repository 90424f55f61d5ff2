"""``edit --set`` assignments: ``FIELD=VALUE`` and ``FIELD+=VALUE`` on dotted paths.

Paths follow the record: ``name``, ``current_post.title``, ``posts[0].start``
(``posts.0.start`` too), ``sources[1].url``. Values are read by the type of
the field they set:

* list of text (``aliases``, ``tags``, ``…sources`` keys): ``a;b;c``; ``+=`` appends;
* true/false fields (``restricted``, ``sources[0].confidential``): true/false/yes/no/1/0;
* objects and lists of objects (``current_post``, ``posts``): JSON, e.g.
  ``posts+={"title": "Judge", "start": "1990"}``;
* an empty value clears an optional field (``current_post=`` means unknown).

The result is validated as a whole record by the caller.
"""

from __future__ import annotations

import copy
import json
import re
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from dossier.errors import InvalidInput, Problem
from dossier.model import rules
from dossier.model.person import Person

_ASSIGNMENT = re.compile(r"(?P<path>[A-Za-z0-9_.\[\]]+?)\s*(?P<op>\+?=)(?P<value>.*)", re.S)
_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def _problem(path: str, message: str) -> InvalidInput:
    return InvalidInput(Problem(message, field=path, source="--set"))


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, optional?) of ``X | None``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], True
    return annotation, False


def _base(annotation: Any) -> Any:
    # Annotated[str, ...] -> str
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.split("."):
        if part.isdigit():
            steps.append(int(part))
            continue
        m = _STEP.fullmatch(part)
        if not m:
            raise _problem(path, "not a field path (e.g. name, current_post.title, posts[0].start)")
        steps.append(m.group(1))
        steps += [int(i) for i in re.findall(r"\[(\d+)\]", m.group(2))]
    return steps


def _parse_value(path: str, annotation: Any, raw: str, append: bool) -> Any:
    inner, optional = _unwrap(annotation)
    inner = _base(inner)
    origin = typing.get_origin(inner)
    if origin is list:
        item = _base(typing.get_args(inner)[0])
        if isinstance(item, type) and issubclass(item, BaseModel):
            value = _json(path, raw)
            return value if isinstance(value, list) and not append else [value]
        return [v.strip() for v in raw.split(";") if v.strip()]
    if append:
        raise _problem(path, "+= works on list fields only")
    if raw.strip() == "" and optional:
        return None
    if inner is bool:
        word = raw.strip().lower()
        if word not in _TRUE | _FALSE:
            raise _problem(path, f"expected true or false, got {raw!r}")
        return word in _TRUE
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return _json(path, raw)
    return raw


def _json(path: str, raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _problem(path, f"expected a JSON object or list: {exc.msg}") from None


def _field(model: type[BaseModel], name: str, path: str) -> Any:
    info = model.model_fields.get(name)
    if info is None:
        fields = ", ".join(model.model_fields)
        raise _problem(path, f"unknown field {name!r} (fields: {fields})")
    return info.annotation


def apply_assignments(
    record: dict[str, Any], assignments: Sequence[str], *, calendar: str = "gregorian"
) -> dict[str, Any]:
    """A copy of ``record`` with the assignments applied (not yet validated).

    With ``calendar="jalali"`` the dates *assigned* are read as Solar Hijri
    (Persian digits welcome) and their text is kept in ``dates_as_written``, as
    ``add --calendar jalali`` keeps it: a date field assigned, and the dates of a
    post given whole (``current_post={…}``, ``posts+={…}``). The record's other
    dates stay as they are (they are Gregorian, so validating the whole record in
    the Jalali calendar would misread them).
    """
    out = copy.deepcopy(record)
    for text in assignments:
        m = _ASSIGNMENT.fullmatch(text)
        if not m:
            raise _problem(text, "expected FIELD=VALUE or FIELD+=VALUE")
        path, op, raw = m.group("path"), m.group("op"), m.group("value")
        steps = _steps(path)
        had = _at(out, steps)
        before = len(had) if op == "+=" and isinstance(had, list) else 0
        _assign(out, path, steps, raw, append=op == "+=")
        if calendar != "jalali":
            continue
        if op == "=" and steps[-1] in _DATE_FIELDS:
            _jalali_date(out, path, steps)
            continue
        given = _at(out, steps)
        whole = ([([*steps, i], item) for i, item in enumerate(given) if i >= before]
                 if isinstance(given, list) else [(steps, given)])
        for where, item in whole:
            if isinstance(item, dict):
                for name in (n for n in _DATE_FIELDS if n in item):
                    _jalali_date(out, f"{path}.{name}", [*where, name])
    return out


def _at(record: dict[str, Any], steps: list[str | int]) -> Any:
    """What ``steps`` lead to in ``record`` (None where nothing is)."""
    target: Any = record
    for step in steps:
        try:
            target = target[step]
        except (KeyError, IndexError, TypeError):
            return None
    return target


_DATE_FIELDS = (*rules.PERSON_DATES, *rules.POST_DATES)  # (in order: the dates_as_written keys')


def _jalali_date(record: dict[str, Any], path: str, steps: list[str | int]) -> None:
    from dossier.model import jalali

    parent: Any = record
    for step in steps[:-1]:
        parent = parent[step]
    name = str(steps[-1])
    value = parent.get(name)
    if not isinstance(value, str) or not value.strip():
        return
    try:
        parent[name] = jalali.solar_hijri_to_partial(value, jalali=True)
    except ValueError as exc:
        raise _problem(path, str(exc)) from None
    parent["dates_as_written"] = {**(parent.get("dates_as_written") or {}), name: value.strip()}


def _assign(record: dict[str, Any], path: str, steps: list[str | int], raw: str, append: bool) -> None:
    model: type[BaseModel] = Person
    target: Any = record
    annotation: Any = None
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if isinstance(step, int):
            if not isinstance(target, list) or step >= len(target):
                raise _problem(path, f"no item [{step}] here")
            annotation = typing.get_args(_base(_unwrap(annotation)[0]))[0]
            if last:
                target[step] = _parse_value(path, annotation, raw, append)
                return
            target = target[step]
            model = _base(annotation)
            continue
        annotation = _field(model, step, path)
        if last:
            value = _parse_value(path, annotation, raw, append)
            if append:
                target[step] = [*(target.get(step) or []), *value]
            else:
                target[step] = value
            return
        inner = _base(_unwrap(annotation)[0])
        if target.get(step) is None:
            if typing.get_origin(inner) is list:
                raise _problem(path, f"{step} is empty; no item to set")
            target[step] = {}
        target = target[step]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
