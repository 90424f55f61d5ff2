"""The record model of SPEC §1: Person, Post, Associate, Source.

Every text field goes through one of three checks (``Line``, ``Name``,
``Text``): NFC normalization, no control characters but newline and tab, no
bidi embedding/override/isolate characters (they can make a name display as a
different name); names additionally refuse zero-width and bidi *marks*, while
the zero-width non-joiner that Persian spelling needs is kept.

Dates are partial ISO dates (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) that are
never padded. Solar Hijri input (``SH1367-05-07``, see ``dossier.model.jalali``) is
converted to Gregorian and the text as written is kept in ``dates_as_written``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import CoreSchema, PydanticSerializationError, core_schema

from dossier.errors import InvalidInput, Problem
from dossier.model import jalali
from dossier.model.ids import RESERVED_IDS, SLUG_MAX, SLUG_RE
from dossier.model.rules import (
    ARMOR_BEGIN,
    PERSON_DATES,
    POST_DATES,
    SEALED_SOURCE_FIELDS,
    StoredSource,
    check_partial_date,
)

_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_BIDI = "\u202a-\u202e\u2066-\u2069"
# Zero-width and bidi marks other than ZWNJ (U+200C): invisible in a name, so two
# names that look identical could differ. Free text may carry them.
_INVISIBLE = "\u200b\u200d\u200e\u200f\u061c\u2060\ufeff"
_BAD_TEXT = re.compile(f"[{_CONTROL}{_BIDI}]")
_BAD_LINE = re.compile(f"[{_CONTROL}{_BIDI}\n\t]")
_BAD_NAME = re.compile(f"[{_CONTROL}{_BIDI}{_INVISIBLE}\n\t]")
_SPACE = re.compile(r"\s")
# Subsets of what the full checks accept, tried first because they are cheap.
_EASY_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#]\S*)?")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'control character')}"


def _clean(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    bad = pattern.search(value)
    if bad:
        raise ValueError(f"{what} may not contain {_describe(bad.group())}")
    return value


def _line(value: str) -> str:
    return _clean(value.strip(), _BAD_LINE, "a single-line field")


def _title(value: str) -> str:
    value = _line(value)
    if not value:
        raise ValueError("a title may not be empty or only spaces")
    return value


def _name(value: str) -> str:
    value = value.strip()
    if not value:  # the length limit saw the spaces; a name of spaces is no name
        raise ValueError("a name may not be empty or only spaces")
    return _clean(value, _BAD_NAME, "a name")


def _text(value: str) -> str:
    return _clean(value.replace("\r\n", "\n"), _BAD_TEXT, "text")


def _slug(value: str) -> str:
    if not SLUG_RE.fullmatch(value):
        raise ValueError(
            f"not a valid id {value!r}: use lowercase ASCII letters, digits and single hyphens"
        )
    if len(value) > SLUG_MAX:
        raise ValueError(f"id is {len(value)} characters long; at most {SLUG_MAX} allowed")
    if value in RESERVED_IDS:
        raise ValueError(f"{value!r} is reserved (a device or site page name) and cannot be an id")
    return value


class _InJalali:
    """The text of a date field to be read in the Solar Hijri calendar (``--calendar
    jalali``: ``1367-05-07`` is then Solar Hijri): marked before validation by
    ``_read_in_jalali``, so that the check in Rust (which reads every text as Gregorian)
    passes it to the Python one. Its repr is the text's, as errors quote it."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return repr(self.text)


def _date_input(value: Any) -> Any:
    # YAML reads an unquoted 1988 as int and 1988-07-29 as a date: take both as meant (a
    # number is its digits: 88 is refused as the text "88" is, not padded to the year 0088).
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    as_jalali = isinstance(value, _InJalali)
    if as_jalali:
        value = value.text
    if isinstance(value, str):
        value = value.strip()
        if value[:1].isdigit() and not as_jalali:
            return value  # Gregorian; skips the Solar Hijri look for the common case
        if jalali.is_solar_hijri(value, jalali=as_jalali):
            return jalali.solar_hijri_to_partial(value, jalali=as_jalali)
    return value


def _url(value: str) -> str:
    if _EASY_URL.fullmatch(value):
        return value  # the common shape, which every check below accepts; urlsplit is slow
    if _SPACE.search(value):
        raise ValueError(f"URL may not contain spaces: {value!r}")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"only http and https URLs are accepted, not {value!r}")
    if not parts.hostname:
        raise ValueError(f"URL has no host: {value!r}")
    if parts.username or parts.password:
        raise ValueError(f"URL may not carry credentials: {value!r}")
    return value


def _sha256(value: str) -> str:
    value = value.lower()
    if not _SHA256.fullmatch(value):
        raise ValueError(f"sha256 must be 64 hexadecimal digits, got {value!r}")
    return value


_AGE_HEADER = b"age-encryption.org/v1\n"


def _armored(value: str) -> str:
    """An armored age text: its frame, and the age header inside (a garbled one would fail
    only when read, and then block every re-encryption)."""
    import base64
    import binascii

    lines = value.strip().split("\n")
    if len(lines) < 3 or lines[0] != ARMOR_BEGIN or lines[-1] != "-----END AGE ENCRYPTED FILE-----":
        raise ValueError("sealed content must be an age encrypted text (-----BEGIN AGE ENCRYPTED FILE-----)")
    try:
        head = base64.b64decode(lines[1] + "=" * (-len(lines[1]) % 4), validate=True)
    except binascii.Error:
        head = b""
    if not head.startswith(_AGE_HEADER[: min(len(head), len(_AGE_HEADER))]) or len(head) < 8:
        raise ValueError("sealed content is not an age encrypted text (its header is damaged)")
    return value


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- a check in Rust first ---------------------------------------------------------------
# Most texts of a bulk import are already what the Python checks above would leave them:
# stripped, NFC, of no refused character. Each text type below first tries a pattern
# (pydantic-core's Rust regex, no Python call) that accepts only such texts, and calls its
# Python check when the pattern fails. Every text a pattern accepts, the Python check returns
# unchanged (tests/test_fast_paths.py proves it for every character), so a record validates
# the same both ways; a text that fails both is reported by the Python check alone
# (``problems_from`` drops what the pattern said).
#
# The characters a pattern accepts (``_PLAIN``) are such that any text of them is NFC:
# each is a starter (canonical combining class 0) that is its own NFC, whose decomposition
# starts with a starter that is the second of no canonical composition (the tests check
# each against ``unicodedata``). So no NFC check is needed. Texts of other scripts, with
# combining marks, or needing a strip, go to the Python check as before.
_PLAIN_EDGE = (r"\x21-\x7e\u00a1-\u024f"  # printable ASCII and Latin, no space
               r"\u060c\u061b\u061f\u0621-\u063a\u0640-\u064a\u0660-\u066f"  # Arabic
               r"\u0671-\u06d3\u06d5\u06ee-\u06ff"  # Persian letters, digits (no marks)
               r"\u2010-\u2027")  # dashes, quotes, ellipsis
_PLAIN = r"\x20\u00a0\u200c" + _PLAIN_EDGE  # and inside a text: spaces, the ZWNJ of Persian
_PLAIN_TEXT = rf"^[\n\t{_PLAIN}]*$"
_PLAIN_LINE = f"^(?:[{_PLAIN_EDGE}](?:[{_PLAIN}]*[{_PLAIN_EDGE}])?)?$"
_PLAIN_TITLE = f"^[{_PLAIN_EDGE}](?:[{_PLAIN}]*[{_PLAIN_EDGE}])?$"
_PLAIN_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)+$"  # with a hyphen: no reserved id has one
# A Gregorian date of 28 days a month at most: valid by its shape alone.
_PLAIN_DATE = (r"^(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
               r"(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|1[0-9]|2[0-8]))?)?$")
_PLAIN_URL = r"^https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][\x21-\x7e]*)?$"
_PLAIN_SHA256 = r"^[0-9a-f]{64}$"
RUST_CHECK, PYTHON_CHECK = "rust-check", "python-check"  # (the union's labels, in errors' loc)


def _rust_first(pattern: str, max_length: int | None = None) -> GetPydanticSchema:
    """The type's schema tried after a Rust ``pattern`` (see above)."""

    def schema(source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        plain = core_schema.str_schema(pattern=pattern, max_length=max_length, strict=True)
        return core_schema.union_schema(
            [(plain, RUST_CHECK), (handler(source), PYTHON_CHECK)], mode="left_to_right",
            serialization=core_schema.simple_ser_schema("str"))

    return GetPydanticSchema(schema)


Slug = Annotated[str, AfterValidator(_slug), _rust_first(_PLAIN_SLUG, SLUG_MAX)]
Line = Annotated[str, Field(max_length=500), AfterValidator(_line), _rust_first(_PLAIN_LINE, 500)]
Title = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_title),
                  _rust_first(_PLAIN_TITLE, 500)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_name),
                 _rust_first(_PLAIN_TITLE, 200)]
Text = Annotated[str, Field(max_length=200_000), AfterValidator(_text), _rust_first(_PLAIN_TEXT, 200_000)]
PartialDate = Annotated[str, BeforeValidator(_date_input), AfterValidator(check_partial_date),
                        _rust_first(_PLAIN_DATE)]
Url = Annotated[str, Field(max_length=2000), AfterValidator(_url), _rust_first(_PLAIN_URL, 2000)]
Timestamp = Annotated[datetime, AfterValidator(_utc)]
Sha256 = Annotated[str, AfterValidator(_sha256), _rust_first(_PLAIN_SHA256)]
Sealed = Annotated[str, Field(max_length=50_000_000), AfterValidator(_armored)]
Confidence = Literal["high", "medium", "low"]
Status = Literal["alive", "deceased", "unknown"]
SourceKind = Literal["report", "article", "testimony", "official", "audio", "video", "other"]


def _empty(value: Any) -> bool:
    # Fields added after records were first stored are left out of the dump while
    # empty, so a record that does not use them keeps its stored bytes.
    return not value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class _Dated(_Model):
    """A model whose partial-date fields may be entered in the Solar Hijri calendar: the text
    as written is kept in ``dates_as_written`` (by ``Person``'s validators, for the person
    and each of its posts: one call a record, not one a post)."""

    DATE_FIELDS: ClassVar[tuple[str, ...]] = ()


def _keep_as_written(data: Any, fields: tuple[str, ...]) -> Any:
    """``data`` with the Solar Hijri texts of its date ``fields`` in ``dates_as_written``."""
    if not isinstance(data, dict):
        return data
    # In the Gregorian calendar only an SH prefix counts: a date that starts with a digit
    # needs no look (this runs for every post of every record: the common case first).
    for field in fields:
        value = data.get(field)
        if value is not None and not (type(value) is str and value[:1].isdigit()):
            break
    else:
        if not data.get("dates_as_written"):
            return data
    given = data.get("dates_as_written")
    candidates = [
        f for f in fields
        if type(v := data.get(f)) is _InJalali or (isinstance(v, str) and not v[:1].isdigit())
    ]
    if not candidates:
        return data
    written = dict(given) if isinstance(given, dict) else {}
    for field in candidates:
        value = data[field]
        as_jalali = type(value) is _InJalali
        text = (value.text if as_jalali else value).strip()
        if jalali.is_solar_hijri(text, jalali=as_jalali):
            written[field] = text
    if written:
        data = {**data, "dates_as_written": written}
    return data


def _written_keys(fields: tuple[str, ...]) -> AfterValidator:
    """``dates_as_written`` holds texts of ``fields`` only: a key of another field indented
    under it (an editor's autoindent, say) is refused, not dropped unseen."""

    def check(written: dict[str, str]) -> dict[str, str]:
        unknown = [k for k in written if k not in fields]
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r} (it holds only {', '.join(fields)})")
        return written

    return AfterValidator(check)


_SOURCE_DATES = ("published", "accessed")


def _drop_stale_as_written(model: _Dated) -> None:
    """A date edited after it was entered in Solar Hijri must not keep the old text."""
    written: dict[str, str] = getattr(model, "dates_as_written", {})
    if not written:
        return
    kept = {}
    for field, text in written.items():
        try:
            converted = jalali.solar_hijri_to_partial(text, jalali=True)
        except ValueError:
            continue
        if field in model.DATE_FIELDS and getattr(model, field) == converted:
            kept[field] = text
    setattr(model, "dates_as_written", kept)  # noqa: B010 - every subclass declares the field


class Evidence(_Model):
    """A captured copy of a source kept in the evidence store (``dossier sources attach``)."""

    sha256: Sha256
    size: int = Field(ge=0, le=2**63 - 1)  # a JSON integer every reader of the file can read
    media_type: Line = "application/octet-stream"
    name: Line | None = None
    attached: Timestamp | None = None
    attached_by: Line | None = None
    stored: Sha256 | None = None
    """The file's name in the store when it is kept encrypted (the SHA-256 of the ciphertext)."""


class Source(_Model):
    """A source; a confidential one may be *sealed*: the fields of
    ``rules.SEALED_SOURCE_FIELDS`` encrypted into ``sealed``, its title reading
    ``rules.WITHHELD``, and ``sealed_files`` naming its encrypted evidence files."""

    key: Slug
    title: Title
    publisher: Line | None = None
    author: Line | None = None
    url: Url | None = None
    published: PartialDate | None = None
    accessed: PartialDate | None = None
    archive_url: Url | None = None
    sha256: Sha256 | None = None
    kind: SourceKind = "other"
    confidential: bool = False
    note: Text | None = None
    evidence: list[Evidence] = Field(default_factory=list, exclude_if=_empty)
    sealed: Sealed | None = Field(default=None, exclude_if=_empty)
    sealed_files: list[Sha256] = Field(default_factory=list, exclude_if=_empty)


class Post(_Dated):
    DATE_FIELDS = POST_DATES

    title: Title
    organization: Line | None = None
    place: Line | None = None
    start: PartialDate | None = None
    end: PartialDate | None = None
    as_of: PartialDate | None = None
    sources: list[Slug] = Field(default_factory=list)
    confidence: Confidence = "medium"
    dates_as_written: Annotated[dict[str, Line], _written_keys(POST_DATES)] = Field(default_factory=dict)


class Associate(_Model):
    id: Slug
    relation: Line | None = None
    sources: list[Slug] = Field(default_factory=list)
    confidence: Confidence = "medium"


class Distinct(_Model):
    """A person judged to be someone else than this one (``dossier distinct``), and why."""

    id: Slug
    note: Line | None = None


class Person(_Dated):
    DATE_FIELDS = PERSON_DATES

    id: Slug | None = None
    name: Name
    native_name: Name | None = None
    aliases: list[Name] = Field(default_factory=list)
    status: Status = "unknown"
    born: PartialDate | None = None
    died: PartialDate | None = None
    role_1988: Post | None = None
    current_post: Post | None = None
    posts: list[Post] = Field(default_factory=list)
    associates: list[Associate] = Field(default_factory=list)
    narrative: Text = ""
    tags: list[Line] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    restricted: bool = False
    sealed: Sealed | None = Field(default=None, exclude_if=_empty)
    """A restricted person's narrative, encrypted (the narrative then reads ``rules.WITHHELD``)."""
    merged_ids: list[Slug] = Field(default_factory=list)
    distinct_from: list[Distinct] = Field(default_factory=list)
    created: Timestamp | None = None
    updated: Timestamp | None = None
    dates_as_written: Annotated[dict[str, Line], _written_keys(PERSON_DATES)] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _dates_as_written(cls, data: Any) -> Any:
        """The Solar Hijri texts of the person's dates and of each of its posts'."""
        if not isinstance(data, dict):
            return data
        data = _keep_as_written(data, cls.DATE_FIELDS)
        kept: dict[str, Any] = {}
        fields = Post.DATE_FIELDS
        for key in ("role_1988", "current_post"):
            post = data.get(key)
            if isinstance(post, dict) and (written := _keep_as_written(post, fields)) is not post:
                kept[key] = written
        posts = data.get("posts")
        if isinstance(posts, list):
            written_posts = [_keep_as_written(p, fields) for p in posts]
            if any(w is not p for w, p in zip(written_posts, posts, strict=True)):
                kept["posts"] = written_posts
        return {**data, **kept} if kept else data

    @model_validator(mode="after")
    def _whole(self) -> Person:
        """What holds across fields: no stale Solar Hijri text, no repeated name or tag, every
        citation resolving, no link to itself."""
        for dated in (self, self.role_1988, self.current_post, *self.posts):
            if dated is not None and dated.dates_as_written:
                _drop_stale_as_written(dated)
        for field in ("aliases", "tags", "merged_ids"):
            values = getattr(self, field)
            if len(set(values)) != len(values):
                setattr(self, field, list(dict.fromkeys(values)))
        keys = {s.key for s in self.sources}
        claims = (self.role_1988, self.current_post, *self.posts, *self.associates)
        if (len(keys) != len(self.sources)
                or not all(c is None or keys.issuperset(c.sources) for c in claims)
                or (self.id is not None and (any(a.id == self.id for a in self.associates)
                                             or any(d.id == self.id for d in self.distinct_from)))):
            self._citations_resolve()
        return self

    def _citations_resolve(self) -> None:
        """Raise the first problem ``_whole`` found, located (the slow walk: only on a problem)."""
        keys = [s.key for s in self.sources]
        seen: set[str] = set()
        for i, key in enumerate(keys):
            if key in seen:
                raise _located(f"sources[{i}].key", f"source key {key!r} appears twice")
            seen.add(key)
        for path, claim in self._claims():
            for j, key in enumerate(claim.sources):
                if key not in seen:
                    raise _located(
                        f"{path}.sources[{j}]",
                        f"source {key!r} is not among this record's sources",
                    )
        for i, assoc in enumerate(self.associates):
            if self.id is not None and assoc.id == self.id:
                raise _located(f"associates[{i}].id", "a person cannot be their own associate")
        for i, other in enumerate(self.distinct_from):
            if self.id is not None and other.id == self.id:
                raise _located(f"distinct_from[{i}].id", "a person cannot be distinct from themselves")

    def _claims(self) -> list[tuple[str, Post | Associate]]:
        # The model's own walk of rules.claims' order, for the paths of validation errors.
        out: list[tuple[str, Post | Associate]] = []
        if self.role_1988:
            out.append(("role_1988", self.role_1988))
        if self.current_post:
            out.append(("current_post", self.current_post))
        out += [(f"posts[{i}]", p) for i, p in enumerate(self.posts)]
        out += [(f"associates[{i}]", a) for i, a in enumerate(self.associates)]
        return out

    def names(self) -> list[str]:
        """The primary name, the native name and the aliases: every name to match on."""
        return [self.name, *([self.native_name] if self.native_name else []), *self.aliases]


class _Located(ValueError):
    """A model-level error that knows which field it is about."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _located(field: str, message: str) -> _Located:
    return _Located(field, message)


def field_path(loc: tuple[int | str, ...]) -> str:
    """('role_1988', 'sources', 0) -> 'role_1988.sources[0]'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def problems_from(
    exc: ValidationError, *, source: str = "", line: int | None = None, prefix: str = "",
    withhold: Callable[[str], bool] | None = None,
) -> list[Problem]:
    """Turn a ValidationError into one ``Problem`` per error, naming field and value.

    The value of a field ``withhold(path)`` names (confidential content) is never repeated.
    """
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if loc[-1:] in ((RUST_CHECK,), (PYTHON_CHECK,)) and err["type"] != "extra_forbidden":
            # (a label of a text type's two checks, not a key of that name in the record)
            if loc[-1] == RUST_CHECK:
                continue  # (the Python check's error says why, and what it is)
            loc = loc[:-1]
        ctx_error = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _Located):
            loc = (*loc, *ctx_error.field.replace("[", ".").replace("]", "").split("."))
            loc = tuple(int(p) if isinstance(p, str) and p.isdigit() else p for p in loc if p != "")
            message = str(ctx_error)
        else:
            message = err["msg"].removeprefix("Value error, ")
            value = err.get("input")
            if err["type"] == "extra_forbidden":
                message = "unknown field"
            elif err["type"] == "missing":
                message = "required field is missing"
            elif not isinstance(value, dict | list) and repr(value)[:20] not in message:
                message = f"{message} (got {_short(value)})"
        path = field_path(loc)
        if withhold is not None and withhold(path):
            message = _without_value(message, err.get("input"))
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        out.append(Problem(message, field=path, source=source, line=line))
    return out


def _without_value(message: str, value: Any) -> str:
    message = re.sub(r" \(got .*\)$", "", message, flags=re.S)
    if isinstance(value, str) and value:
        message = message.replace(repr(value), "(withheld)").replace(value, "(withheld)")
    # A value transformed before it was judged (lower-cased, stripped) is quoted as changed.
    cut = re.search(r"""[,:]? *(?:got|not)? *['"]""", message)
    return message[:cut.start()] + " (value withheld)" if cut else message


def confidential_paths(data: Any) -> Callable[[str], bool] | None:
    """Which field paths of a person's data hold confidential content (see ``rules``), if any."""
    if not isinstance(data, dict):
        return None
    sources = data.get("sources")
    secret = [i for i, s in enumerate(sources if isinstance(sources, list) else [])
              if isinstance(s, dict) and s.get("confidential")]
    restricted = bool(data.get("restricted"))
    if not secret and not restricted:
        return None
    prefixes = tuple(f"sources[{i}].{f}" for i in secret for f in SEALED_SOURCE_FIELDS)
    if restricted:
        prefixes += ("narrative",)
    return lambda path: path.startswith(prefixes)


def source_paths(data: Any) -> Callable[[str], bool] | None:
    """``confidential_paths`` of one source's data, validated alone."""
    if not (isinstance(data, dict) and data.get("confidential")):
        return None
    return lambda path: path.split(".", 1)[0].split("[", 1)[0] in SEALED_SOURCE_FIELDS


def validate_person(
    data: Any, *, source: str = "", line: int | None = None, calendar: str = "gregorian"
) -> Person:
    """Validate one record; raise ``InvalidInput`` with a problem per error."""
    if not isinstance(data, dict):
        raise InvalidInput(
            Problem(f"a person must be a mapping, got {type(data).__name__}", source=source, line=line)
        )
    try:
        return Person.model_validate(_read_in_jalali(data) if calendar == "jalali" else data)
    except ValidationError as exc:
        raise InvalidInput(problems_from(exc, source=source, line=line,
                                         withhold=confidential_paths(data))) from None


def _read_in_jalali(data: Any) -> Any:
    """A person's data with the text of each date field marked to be read in the Solar
    Hijri calendar (``_InJalali``); the input is not changed."""
    if not isinstance(data, dict):
        return data
    marked = _marked(data, Person.DATE_FIELDS)
    for key in ("role_1988", "current_post"):
        if isinstance(marked.get(key), dict):
            marked[key] = _marked(marked[key], Post.DATE_FIELDS)
    for key, fields in (("posts", Post.DATE_FIELDS), ("sources", _SOURCE_DATES)):
        if isinstance(marked.get(key), list):
            marked[key] = [x if not isinstance(x, dict) or isinstance(x, StoredSource) else _marked(x, fields)
                           for x in marked[key]]
    return marked


def source_in_calendar(data: Any, calendar: str) -> Any:
    """A source's data (of a folder's ``sources/``) with its dates to be read in ``calendar``."""
    return _marked(data, _SOURCE_DATES) if calendar == "jalali" and isinstance(data, dict) else data


def _marked(data: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    return {**data, **{f: _InJalali(text) for f in fields if (text := _date_text(data.get(f))) is not None}}


def _date_text(value: Any) -> str | None:
    """A date field's value as text (YAML reads an unquoted 1367 as a number and 1367-05-07 as a
    date: their text is meant), or None when it is no text, number or date."""
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


@cache
def persons_adapter() -> TypeAdapter[list[Person]]:
    """The one validator of a batch of records (built once: building costs)."""
    return TypeAdapter(list[Person])


def validate_many(
    data: Sequence[Any], *, calendar: str = "gregorian"
) -> tuple[list[Person], dict[int, list[Problem]]]:
    """Validate a batch in one call: (the persons, {}) or ([], index -> that record's problems).

    One batched call is several times faster than a call per record; only when it
    fails are the failing records validated again one by one, for problems located
    the way ``validate_person`` reports them.
    """
    try:
        return persons_adapter().validate_python(
            [_read_in_jalali(d) for d in data] if calendar == "jalali" else data), {}
    except ValidationError as exc:
        failing = sorted({e["loc"][0] for e in exc.errors(include_url=False)
                          if e["loc"] and isinstance(e["loc"][0], int)})
    problems: dict[int, list[Problem]] = {}
    for i in failing:
        try:
            validate_person(data[i], calendar=calendar)
        except InvalidInput as bad:
            problems[i] = bad.problems
    return [], problems


_to_json = Person.__pydantic_serializer__.to_json


def stored_line(person: Person) -> bytes:
    """``person``'s NDJSON line, newline included: the bytes ``store.line_of(dump(person))``
    gives (a test holds them equal), serialised in one step rather than through a dict."""
    try:
        return _to_json(person) + b"\n"
    except PydanticSerializationError as exc:
        # It reports an exception raised in a callback it calls (``_empty``) as its own error
        # ("Error serializing to JSON: KeyboardInterrupt: "), a Ctrl-C landing there too: that
        # one is a Ctrl-C again, so that the command stops as interrupted (exit 130) rather
        # than with an internal error (exit 1). (``model_dump`` lets it through as it is.)
        if ": KeyboardInterrupt:" in str(exc):
            raise KeyboardInterrupt from None
        raise


def dump(person: Person) -> dict[str, Any]:
    """The canonical stored and exported form of a record: every field, JSON types."""
    return person.model_dump(mode="json")
