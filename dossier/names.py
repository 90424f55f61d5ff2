"""Names: slug ids, and the folding and fuzzy matching of SPEC §4.

``fold(text)`` is the one match key of the tool: search, ``show REF``,
``check`` and import all compare names through it. It turns every spelling a
researcher may meet into one lowercase ASCII form (the rules are listed in
``FOLDING_RULES`` and in the README), and it is idempotent:
``fold(fold(x)) == fold(x)``.

``search(records, query)`` ranks persons by the best-matching name or alias.
Scoring works on folded *tokens*, so a single surname finds a full name and
word order does not matter, and it also compares adjacent tokens joined, so
"Pour Mohammadi" meets "Pourmohammadi". Candidate tokens are found with one
``rapidfuzz.process.extract`` per query token over the distinct folded tokens
of the database (each name is folded once); only the persons holding such a
token are scored in full.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dossier.model.bulk import paused_gc

# --- folding -----------------------------------------------------------------

FOLDING_RULES = """\
1. Unicode NFKC (Arabic presentation forms become plain letters).
2. Persian script: Arabic letter forms become the Persian ones (ي ى → ی, ك → ک,
   ة ۀ → ه), hamza carriers become their base letter (أ إ آ ٱ → ا, ئ → ی,
   ؤ → و, ء dropped), letters pronounced alike in Persian are merged
   (ض ظ ذ → ز, ث ص → س, ط → ت, ح → ه), and diacritics (harakat), tatweel,
   the zero-width non-joiner and joiner are removed (a ZWNJ compound is one word).
3. Case is folded; Persian honorifics (آیت‌الله, حجت‌الاسلام, سید, شیخ, ملا, حاج,
   دکتر, آقای…) are set aside.
4. Everything is transliterated to ASCII (anyascii): accents go, Persian script
   becomes its consonant skeleton (ابراهیم → brhym).
5. Apostrophes, backticks and ayn/hamza marks are dropped; hyphens, dots and any
   other punctuation separate words.
6. Each word is then rewritten until nothing changes:
   dj → j, kh → x, gh → q, ph → f, dh → z, w → v;
   -ollah / -allah / -ullah → ula;
   o → u (so ou, oo, u meet);
   a final h after a vowel is dropped, then a final e (zadeh, zade → zad);
   e → i (so ee, ei, ie, i meet);
   y → i except at the start of a word and between two vowels (ey, ay,
   Daryoush → Dariush), and iy before a or u → i (Dariyoush, Niyazi);
   a final ayi → ai, and ai → i (so ae, ai, aei, ayi meet);
   doubled letters are single (ss → s, mm → m).
7. Honorifics are set aside, as words or phrases, compared folded: Ayatollah,
   Grand Ayatollah, Hojatoleslam / Hojjatoleslam (also hojjat-ol-eslam),
   Mullah / Molla, Sheikh / Shaykh, Seyyed / Seyed / Sayyid, Haj / Hajj / Haji,
   Mr., Mrs., Ms., Dr., Prof. A name made only of honorifics keeps them. (Syed
   is not in the list: it folds like the given name Saeed.)
"""

# Arabic-script letters (and the Arabic presentation forms NFKC leaves alone).
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_PERSIAN_MAP = str.maketrans(
    {
        "\u064a": "\u06cc",  # ي Arabic yeh -> ی Persian yeh
        "\u0649": "\u06cc",  # ى alef maksura -> ی
        "\u0643": "\u06a9",  # ك Arabic kaf -> ک keheh
        "\u0629": "\u0647",  # ة teh marbuta -> ه
        "\u06c0": "\u0647",  # ۀ heh with yeh above -> ه
        "\u06c1": "\u0647",  # ہ heh goal -> ه
        "\u0623": "\u0627",  # أ
        "\u0625": "\u0627",  # إ
        "\u0622": "\u0627",  # آ
        "\u0671": "\u0627",  # ٱ alef wasla
        "\u0626": "\u06cc",  # ئ yeh with hamza -> ی
        "\u0624": "\u0648",  # ؤ waw with hamza -> و
        "\u0621": "",  # ء hamza
        "\u0636": "\u0632",  # ض -> ز (pronounced z in Persian)
        "\u0638": "\u0632",  # ظ -> ز
        "\u0630": "\u0632",  # ذ -> ز
        "\u062b": "\u0633",  # ث -> س
        "\u0635": "\u0633",  # ص -> س
        "\u0637": "\u062a",  # ط -> ت
        "\u062d": "\u0647",  # ح -> ه
        "\u0640": "",  # tatweel
        "\u200c": "",  # zero-width non-joiner: a compound is one word
        "\u200d": "",  # zero-width joiner
        **{chr(c): "" for c in range(0x064B, 0x0660)},  # harakat, shadda, sukun, hamza marks
        "\u0670": "",  # superscript alef
        **{chr(c): "" for c in range(0x06D6, 0x06EE)},  # Quranic annotation marks
    }
)
_QUOTES = str.maketrans("", "", "'`\u2018\u2019\u02bb\u02bc\u02be\u02bf\u00b4")
_WORD = re.compile(r"[a-z0-9]+")

# Step 6 as code (str methods where they do, regexes where they must): see FOLDING_RULES.
_ALLAH = re.compile(r"[aou]l+ah")
_DOUBLE = re.compile(r"(.)\1+")


def _single(match: re.Match[str]) -> str:
    # A function, not r"\1": a template string is re-parsed by `re` on every call.
    return match.group(1)


_Y_RULES = tuple(
    (re.compile(p), r)
    for p, r in ((r"(?<=.)y(?![aeiou])", "i"), (r"(?<=[^aeiou])y", "i"), (r"iy(?=[au])", "i"))
)
_O_W = str.maketrans("ow", "uv")


def _fold_pass(t: str) -> str:
    t = t.replace("dj", "j").replace("kh", "x").replace("gh", "q").replace("ph", "f").replace("dh", "z")
    t = t.translate(_O_W)
    if "lah" in t:
        t = _ALLAH.sub("ula", t)
    if len(t) > 1 and t[-1] == "h" and t[-2] in "aeiou":
        t = t[:-1]
    if len(t) > 2 and t[-1] == "e":
        t = t[:-1]
    t = _DOUBLE.sub(_single, t.replace("e", "i"))
    if "y" in t:
        for pattern, repl in _Y_RULES:
            t = pattern.sub(repl, t)
    if t.endswith("ayi"):
        t = t[:-1]
    return _DOUBLE.sub(_single, t.replace("ai", "i"))


_LATIN_HONORIFICS = (
    "ayatollah", "ayatullah", "ayatolla", "ayat ollah", "ayat allah", "ayat ol lah",
    "grand ayatollah", "ayatollah al ozma", "ayatollah ol ozma",
    "hojatoleslam", "hojjatoleslam", "hojatolislam", "hojjatolislam", "hujjatulislam",
    "hojjat ol eslam", "hojat ol eslam", "hojjat al islam", "hojjat ul islam", "hojat al eslam",
    "hojatoleslam val moslemin", "hojjatoleslam val moslemin", "hojatoleslam wal muslimin",
    "mullah", "mulla", "molla", "mollah", "sheikh", "shaikh", "sheykh", "shaykh", "sheik",
    "seyyed", "seyed", "sayyid", "sayyed", "seyyid", "sayid",
    "haj", "hajj", "haji", "hajji", "hadj", "hadji", "al haj",
    "mr", "mrs", "ms", "dr", "prof",
)  # fmt: skip
_PERSIAN_HONORIFICS = (
    "آیت‌الله", "آیت الله", "آیت‌الله العظمی", "آیت‌الله‌العظمی", "آیت الله العظمی",
    "حجت‌الاسلام", "حجت الاسلام", "حجت‌الاسلام والمسلمین", "حجت الاسلام و المسلمین",
    "حجت‌الاسلام‌والمسلمین", "سید", "سیده", "شیخ", "ملا", "حاج", "حاجی", "دکتر", "آقای", "جناب",
)  # fmt: skip


def _normalize(text: str) -> str:
    """Steps 1–3 of the rules, before transliteration."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        if _ARABIC_SCRIPT.search(text):
            text = text.translate(_PERSIAN_MAP)
    return text.casefold()


@lru_cache(maxsize=65536)
def fold_token(token: str) -> str:
    """Step 6 on one ASCII word, repeated to a fixed point (so folding is idempotent)."""
    while True:
        before, token = token, _fold_pass(token)
        if token == before:
            return token


def _drop_phrases(tokens: list[str], phrases: _Phrases) -> list[str]:
    """Remove every occurrence of the given word sequences (longest first)."""
    if phrases.first.isdisjoint(tokens):
        return tokens
    out = list(tokens)
    changed = True
    while changed:
        changed = False
        for phrase in phrases.phrases:
            n = len(phrase)
            for i in range(len(out) - n + 1):
                if tuple(out[i : i + n]) == phrase:
                    del out[i : i + n]
                    changed = True
                    break
    return out


@dataclass(frozen=True)
class _Phrases:
    phrases: tuple[tuple[str, ...], ...]  # longest first
    first: frozenset[str]  # first words, for a quick "none here"

    @classmethod
    def of(cls, phrases: Iterable[tuple[str, ...]]) -> _Phrases:
        ordered = tuple(sorted(set(phrases), key=lambda p: (-len(p), p)))
        return cls(ordered, frozenset(p[0] for p in ordered))


@lru_cache(maxsize=1)
def _honorifics() -> tuple[_Phrases, _Phrases]:
    """Persian phrases as normalized words; Latin phrases as folded words."""
    persian = _Phrases.of(tuple(_normalize(h).split()) for h in _PERSIAN_HONORIFICS)
    latin = _Phrases.of(tuple(fold_token(w) for w in _words(h)) for h in _LATIN_HONORIFICS)
    return persian, latin


def _words(ascii_text: str) -> list[str]:
    return _WORD.findall(ascii_text.translate(_QUOTES).lower())


def fold(text: str) -> str:
    """The match key of a name: lowercase ASCII words separated by one space.

    "Hojjatoleslam Mostafa Pour-Mohammadi" -> "mustafa pur muhamadi";
    "ابراهیم رئیسی" -> "brhim risi". See ``FOLDING_RULES``.
    """
    return " ".join(fold_words(text))


@lru_cache(maxsize=131072)
def fold_words(text: str) -> tuple[str, ...]:
    """``fold(text)`` as a tuple of words."""
    text = _normalize(text)
    persian, latin = _honorifics()
    if not text.isascii():
        from anyascii import anyascii

        if _ARABIC_SCRIPT.search(text):
            text = " ".join(_drop_phrases(text.split(), persian) or text.split())
        text = anyascii(text)
    tokens = [t for t in map(fold_token, _words(text)) if t]
    return tuple(_drop_phrases(tokens, latin) or tokens)


def match_key(text: str) -> str:
    """The folded name with spaces removed: "Pour Mohammadi" and "Pourmohammadi" meet."""
    return _join(fold_words(text))


def _join(words: Iterable[str]) -> str:
    # Folded words hold no doubled letter, but joining can make one (shams + iddin).
    out = ""
    for w in words:
        out += w[1:] if out and w and out[-1] == w[0] else w
    return out


def is_native_script(text: str) -> bool:
    """Whether a name is written (partly) in Arabic/Persian script."""
    return bool(_ARABIC_SCRIPT.search(text))


_SKELETON_VOWELS = re.compile(r"[aiuvy]")


@lru_cache(maxsize=65536)
def skeleton_token(token: str) -> str:
    """A folded word without its vowels (and v, y, a final h): what Persian script writes.

    Latin "purmuhamadi" and Persian "pvrmhmdi" both give "prmhmd".
    """
    return _SKELETON_VOWELS.sub("", token).removesuffix("h") or token


# --- scoring -------------------------------------------------------------------

THRESHOLD = 75
"""Hits scoring below this (0–100) are not shown: an unrelated name scores lower."""
WORD_CUTOFF = 60
"""Two folded words are similar when their ``rapidfuzz.fuzz.ratio`` reaches this;
a less similar pair counts as 0."""
CROSS_SCRIPT_FACTOR = 0.9
"""A match between a Persian-script query and a Latin name (or the reverse) is
made on consonant skeletons only, so it can at most score this fraction of 100."""
_QUERY_WEIGHT = 0.75

_Ratios = dict[str, dict[str, float]]  # query key -> name key -> ratio (>= WORD_CUTOFF only)


@lru_cache(maxsize=65536)
def _variants(words: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The words, and the words with each adjacent pair (and all) joined."""
    out = [words]
    n = len(words)
    for i in range(n - 1):
        out.append((*words[:i], _join(words[i : i + 2]), *words[i + 2 :]))
    if n > 2:
        out.append((_join(words),))
    return tuple(out)


def _score(query: tuple[str, ...], name: tuple[str, ...], ratios: _Ratios) -> float:
    """``score`` with the word ratios looked up (see ``score``)."""
    best = 0.0
    for q in _variants(query):
        rows = [ratios[w] for w in q]
        for n in _variants(name):
            fwd = sum(max(row.get(w, 0.0) for w in n) for row in rows) / len(q)
            back = sum(max(row.get(w, 0.0) for row in rows) for w in n) / len(n)
            s = _QUERY_WEIGHT * fwd + (1 - _QUERY_WEIGHT) * back
            if s > best:
                best = s
    return min(best, 100.0)


def score(query: tuple[str, ...], name: tuple[str, ...]) -> float:
    """Similarity 0–100 of two folded word tuples (``fold_words``).

    ``0.75 × (how well the query's words are found in the name) + 0.25 × (how
    well the name's words are found in the query)``, where "how well" is the
    mean, over the words, of the best ``rapidfuzz.fuzz.ratio`` against a word of
    the other side (below ``WORD_CUTOFF`` it counts 0), and the best over the
    variants of both sides with adjacent words joined ("pur muhamadi" and
    "purmuhamadi" meet). The same words in any order score 100; a surname alone
    about 88 against a two-word name; a two-word name about 62 + 25 = 75 (at
    best) against a record holding only that surname.
    """
    from rapidfuzz.fuzz import ratio

    name_keys = _keys(name)
    ratios: _Ratios = {}
    for q in _keys(query):
        row: dict[str, float] = {}
        ratios[q] = row
        for n in name_keys:
            r = ratio(q, n, score_cutoff=WORD_CUTOFF)
            if r:
                row[n] = r
    return _score(query, name, ratios)


@lru_cache(maxsize=65536)
def _keys(words: tuple[str, ...]) -> tuple[str, ...]:
    """Index keys of a name: its words, adjacent pairs joined, and all joined."""
    if len(words) == 1:
        return words
    if len(words) == 2:
        return (*words, _join(words)) if words[0] != words[1] else (words[0], _join(words))
    keys = dict.fromkeys(words)
    keys.update(dict.fromkeys(_join(words[i : i + 2]) for i in range(len(words) - 1)))
    keys[_join(words)] = None
    return tuple(keys)


@dataclass(frozen=True)
class Hit:
    id: str
    name: str
    matched: str
    score: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "matched": self.matched, "score": self.score}


def record_names(record: Mapping[str, Any]) -> list[str]:
    """Name, native name and aliases of a stored record (tolerant of a hand-edited one)."""
    aliases = record.get("aliases")
    names = [record.get("name"), record.get("native_name"), *(aliases if isinstance(aliases, list) else ())]
    return [n for n in names if isinstance(n, str) and n.strip()]


class NameIndex:
    """Every name of every record folded once; distinct folded names indexed by word.

    Scoring is per distinct folded name (many persons share one), then spread to
    the names' records.
    """

    def __init__(self, records: Iterable[Mapping[str, Any]]) -> None:
        self.records: list[Mapping[str, Any]] = []
        self.entries: list[tuple[int, str]] = []  # (record index, name as written)
        self.by_words: dict[tuple[str, ...], list[int]] = {}  # folded name -> entries
        self.native: list[bool] = []  # per entry: written in Persian script?
        self.scripts: list[int] = []  # per record: 1 = has a Latin name, 2 = a Persian one
        by_words, entries, native = self.by_words, self.entries, self.native
        for r, record in enumerate(records):
            self.records.append(record)
            scripts = 0
            for name in record_names(record):
                words = fold_words(name)
                if words:
                    found = by_words.get(words)
                    if found is None:
                        by_words[words] = [len(entries)]
                    else:
                        found.append(len(entries))
                    entries.append((r, name))
                    is_native = not name.isascii() and is_native_script(name)
                    native.append(is_native)
                    scripts |= 2 if is_native else 1
            self.scripts.append(scripts)
        self._postings: dict[str, list[tuple[str, ...]]] | None = None
        self._cross: dict[bool, tuple[_Postings, dict[tuple[str, ...], list[int]]]] = {}

    def postings(self) -> dict[str, list[tuple[str, ...]]]:
        if self._postings is None:
            self._postings = _postings(self.by_words)
        return self._postings

    def search(self, query: str, *, limit: int | None = 10, threshold: float = THRESHOLD) -> list[Hit]:
        words = fold_words(query)
        if not words:
            return []
        best: dict[int, tuple[float, float, str]] = {}  # record -> (score, closeness, name)
        self._collect(query, words, self.postings(), self.by_words, 1.0, threshold, best)
        postings, groups = self._cross_script(is_native_script(query))
        if groups:
            skeleton = tuple(skeleton_token(w) for w in words)
            self._collect(query, skeleton, postings, groups, CROSS_SCRIPT_FACTOR, threshold, best)
        from rapidfuzz.fuzz import ratio

        joined = _join(words)
        ranked = sorted(
            ((s, ratio(joined, match_key(name)), self.records[r], name) for r, (s, _, name) in best.items()),
            key=lambda h: (-h[0], -h[1], str(h[2].get("name", "")), str(h[2].get("id", ""))),
        )
        hits = [Hit(str(r.get("id", "")), str(r.get("name", "")), name, round(s)) for s, _, r, name in ranked]
        return hits[:limit] if limit is not None else hits

    def _collect(self, query: str, words: tuple[str, ...], postings: _Postings,
                 groups: dict[tuple[str, ...], list[int]], factor: float, threshold: float,
                 best: dict[int, tuple[float, float, str]]) -> None:
        from rapidfuzz import process
        from rapidfuzz.fuzz import ratio

        keys = list(postings)
        ratios: _Ratios = {}
        reached: dict[tuple[str, ...], dict[str, float]] = {}  # name -> query key -> best ratio
        for key in _keys(words):
            row = ratios[key] = {}
            for found, r, _ in process.extract(
                key, keys, scorer=ratio, processor=None, score_cutoff=WORD_CUTOFF, limit=None
            ):
                row[found] = r
                for name_words in postings[found]:
                    got = reached.get(name_words)
                    if got is None:
                        reached[name_words] = {key: r}
                    elif got.get(key, 0.0) < r:
                        got[key] = r
        variants = _variants(words)
        as_typed = query.casefold()
        for name_words, got in reached.items():
            # Upper bound of the score: each query word at its best against any of the
            # name's words and joins, the name -> query part at 100. Most names stop here.
            bound = max(sum(got.get(w, 0.0) for w in q) / len(q) for q in variants)
            if (_QUERY_WEIGHT * bound + 100 * (1 - _QUERY_WEIGHT)) * factor < threshold:
                continue
            s = _score(words, name_words, ratios) * factor
            if s < threshold:
                continue
            for e in groups[name_words]:
                r, name = self.entries[e]
                # Of a person's names that score the same, show the one closest to the query as typed.
                mine = (s, ratio(as_typed, name.casefold()), name)
                if mine[:2] > best.get(r, (-1.0, -1.0))[:2]:
                    best[r] = mine

    def _cross_script(self, native_query: bool) -> tuple[_Postings, dict[tuple[str, ...], list[int]]]:
        """Skeleton index of the names of persons with no name in the query's script."""
        if native_query not in self._cross:
            bit = 2 if native_query else 1
            groups: dict[tuple[str, ...], list[int]] = {}
            if any(not s & bit for s in self.scripts):
                for e, (r, name) in enumerate(self.entries):
                    if not self.scripts[r] & bit:
                        skeleton = tuple(skeleton_token(w) for w in fold_words(name))
                        groups.setdefault(skeleton, []).append(e)
            self._cross[native_query] = (_postings(groups), groups)
        return self._cross[native_query]


_Postings = dict[str, list[tuple[str, ...]]]  # index key -> folded names holding it


def _postings(groups: Iterable[tuple[str, ...]]) -> _Postings:
    postings: _Postings = {}
    for words in groups:
        for key in _keys(words):
            found = postings.get(key)
            if found is None:
                postings[key] = [words]
            else:
                found.append(words)
    return postings


def search(
    records: Iterable[Mapping[str, Any]], query: str, *, limit: int | None = 10, threshold: float = THRESHOLD
) -> list[Hit]:
    """Persons whose name or alias matches ``query``, best first (see ``NameIndex``)."""
    with paused_gc():
        return NameIndex(records).search(query, limit=limit, threshold=threshold)
