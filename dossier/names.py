"""Names: slug ids and source keys, and the folding and fuzzy matching of SPEC §4.

``fold(text)`` is the one match key of the tool: search, ``show REF``,
``check`` and ``merge`` compare names through it. It turns every spelling a
researcher may meet, in Latin or in Persian script, into one lowercase ASCII
form (the rules are listed in ``FOLDING_RULES`` and in the README), and it is
idempotent: ``fold(fold(x)) == fold(x)``.

Persian script is first romanised the way Iranian names are usually spelt in
English (``romanize``): a lexicon of common given names, surnames and name
parts (-zadeh, -pour, -nejad, -i, -ian, -lou…) restores the short vowels that
the script does not write, and a word the lexicon cannot build is spelt by
syllable rules (``_guess``) and marked as guessed. The romanised spelling then
goes through the same Latin folding, so ``بیژن احمدی`` and ``Bijan Ahmadi``
fold alike.

``search(records, query)`` ranks persons by the best-matching name or alias.
Scoring works on folded *tokens*, so a single surname finds a full name and
word order does not matter, and it also compares adjacent tokens joined, so
"Pour Mohammadi" meets "Pourmohammadi". Candidate tokens are found with one
``rapidfuzz.process.extract`` per query token over the distinct folded tokens
of the database (each name is folded once); only the persons holding such a
token are scored in full.
"""

from __future__ import annotations

import binascii
import math
import re
import sys
import unicodedata
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

import orjson

from dossier.model.bulk import paused_gc
from dossier.model.ids import RESERVED_IDS, shorten, slugify

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def readable_slug(text: str) -> str:
    """``slugify`` with Persian script romanised with its vowels: 'بیژن احمدی' -> 'bijan-ahmadi'.

    Text without Persian script gives exactly ``slugify(text)``.
    """
    if not is_native_script(text):
        return slugify(text)
    return slugify(romanize(text))


SOURCE_KEY_MAX = 60
_ISO_PARTIAL = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
# Hosts whose first label says nothing about the site.
_HOST_NOISE = frozenset(["www", "www2", "m", "mobile", "amp", "en", "fa", "ar", "de", "fr", "news", "web"])
_SECOND_LEVEL = frozenset(["co", "com", "org", "net", "ac", "gov", "edu", "ir"])


def source_key_base(
    title: str, *, publisher: str | None = None, url: str | None = None, published: str | None = None
) -> str:
    """The base of a source key derived from its title (``unique_id`` then makes it free).

    A title without Persian script gives what ``sources add`` has always
    derived, ``slugify(title)[:60]`` (so no existing key changes). A Persian
    title gives ``SITE-DATE-ROMANISED-TITLE``: the site from the URL's host
    (``www.iranintl.com`` -> ``iranintl``) or else the publisher, the published
    date as given, and the title romanised with vowels, at most 60 characters:
    ``iranintl-2023-07-gozaresh-shahedan-va-mardom``.
    """
    if not is_native_script(title):
        return slugify(title)[:SOURCE_KEY_MAX].rstrip("-") or "source"
    site = _site(url) if url else ""
    if not site and publisher:
        site = shorten(_slug(romanize(publisher)), 24)
    date = published if published and _ISO_PARTIAL.fullmatch(published) else ""
    head = "-".join(p for p in (site, date) if p)
    body = _slug(romanize(title))
    key = shorten("-".join(p for p in (head, body) if p), SOURCE_KEY_MAX) or "source"
    return f"{key}-source" if key in RESERVED_IDS else key


def _slug(ascii_text: str) -> str:
    return _NON_ALNUM.sub("-", ascii_text.lower()).strip("-")


def _site(url: str) -> str:
    """'https://www.iranintl.com/fa/…' -> 'iranintl'; 'news.bbc.co.uk' -> 'bbc'."""
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    labels = [p for p in host.split(".") if p]
    if len(labels) > 1:
        labels.pop()  # the top-level domain
        if len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
            labels.pop()
    labels = [p for p in labels if p not in _HOST_NOISE] or labels
    return _slug(labels[-1]) if labels else ""



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
4. Persian words are romanised as Iranian names are spelt in English, with the
   short vowels the script leaves out: from a lexicon of given names, surnames
   and name parts (محمد → Mohammad, عباس‌زاده → Abbas + zadeh, رضایی → Reza + ei),
   else by syllable rules (ورزنده → varzandeh; such a word is marked guessed).
   Anything else is transliterated to ASCII (anyascii): accents go.
5. Apostrophes, backticks and ayn/hamza marks are dropped; hyphens, dots and any
   other punctuation separate words.
6. Each word is then rewritten until nothing changes:
   dj → j, zh → j, jh → j, kh → x, gh → q, then g → q (ق غ and گ meet),
   ph → f, dh → z, w → v;
   -ollah / -allah / -ullah → ula;
   o → u (so ou, oo, u meet), and uv before a consonant or at the end → u
   (Nowruzi, Norouzi; Khosrow, Khosro);
   a final h after a, e or i is dropped, then a final e (zadeh, zade → zad;
   زندیه guessed zandih meets Zandieh);
   e → i (so ee, ei, ie, i meet);
   y → i except at the start of a word and between two vowels (ey, ay,
   Daryoush → Dariush), and iy before a or u → i (Dariyoush, Niyazi);
   a final ayi → ai, and ai → i (so ae, ai, aei, ayi meet);
   doubled letters are single (ss → s, mm → m).
7. Spellings the lexicon lists for one name fold to that name's key (Mehdi and
   Mahdi, Asgari and Askari, Akbar and Akber), also before -zadeh, -pour, -i…
   (Mahdizadeh). Two names the rules merge stay merged (Hamid and Hamed, as
   Arabic-style spellings write both Hamid); search then ranks the one spelt
   as the query first.
8. Honorifics are set aside, as words or phrases, compared folded: Ayatollah,
   Grand Ayatollah, Hojatoleslam / Hojjatoleslam (also hojjat-ol-eslam),
   Mullah / Molla, Sheikh / Shaykh, Seyyed / Seyed / Sayyid, Haj / Hajj / Haji,
   Mr., Mrs., Ms., Dr., Prof. A name made only of honorifics keeps them. (Syed
   is not in the list: it folds like the given name Saeed.)
"""

# Arabic-script letters (and the Arabic presentation forms NFKC leaves alone).
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# The letters of a Persian word once normalized (digits and punctuation are not).
_PERSIAN_RUN = re.compile("[\u0621-\u063a\u0641-\u064a\u066e-\u066f\u0671-\u06d3\u06d5\u06fa-\u06fc\u06ff]+")
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
_UV = re.compile(r"uv(?![aeiou])")


def _single(match: re.Match[str]) -> str:
    # A function, not r"\1": a template string is re-parsed by `re` on every call.
    return match.group(1)


_Y_RULES = tuple(
    (re.compile(p), r)
    for p, r in ((r"(?<=.)y(?![aeiou])", "i"), (r"(?<=[^aeiou])y", "i"), (r"iy(?=[au])", "i"))
)
_O_W = str.maketrans("ow", "uv")


def _fold_pass(t: str) -> str:
    t = t.replace("dj", "j").replace("zh", "j").replace("jh", "j").replace("kh", "x")
    t = t.replace("gh", "q").replace("g", "q").replace("ph", "f").replace("dh", "z")
    t = t.translate(_O_W)
    if "uv" in t:
        t = _UV.sub("u", t)
    if "lah" in t:
        t = _ALLAH.sub("ula", t)
    if len(t) > 1 and t[-1] == "h" and t[-2] in "aei":  # -eh, -ah, -ih; Rouh (روح) keeps its h
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


def _rules(token: str) -> str:
    """Step 6 on one ASCII word, repeated to a fixed point."""
    while True:
        before, token = token, _fold_pass(token)
        if token == before:
            return token


_LATIN_HONORIFICS = (
    "ayatollah", "ayatullah", "ayatolla", "ayat ollah", "ayat allah", "ayat ol lah",
    "grand ayatollah", "ayatollah al ozma", "ayatollah ol ozma",
    "hojatoleslam", "hojjatoleslam", "hojatolislam", "hojjatolislam", "hujjatulislam",
    "hojjat ol eslam", "hojat ol eslam", "hojjat al islam", "hojjat ul islam", "hojat al eslam",
    "hojatoleslam val moslemin", "hojjatoleslam val moslemin", "hojatoleslam wal muslimin",
    "hojatoleslam valmoslemin", "ayatollah olozma", "seyyedeh",
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
    """Steps 6–7 on one lowercase ASCII word, to a fixed point (so folding is idempotent).

    The word is rewritten by the rules, then a spelling the lexicon lists for a
    name becomes that name's key (as a whole, and before -zadeh, -pour, -i…).
    """
    lex = _lexicon()
    seen: set[str] = set()
    while True:
        folded = _rules(token)
        key = lex.folded.get(folded)
        if key is not None:
            return key  # a name's key: a fixed point by construction (see _lexicon)
        compound = _latin_compound(folded, lex)
        # A respelt compound may itself be a listed spelling: fold it once more. Each step
        # puts a name's key in place of a stem, so this ends; `seen` guards it all the same.
        if compound is None or compound == folded or compound in seen:
            return folded
        seen.add(folded)
        token = compound


def _latin_compound(folded: str, lex: _Lexicon) -> str | None:
    """A listed name spelt another way before a name suffix: 'mahdizad' -> 'mihdizad'."""
    for suffix in _LATIN_SUFFIXES:
        if folded.endswith(suffix) and len(folded) - len(suffix) >= 3:
            stem = folded[: -len(suffix)]
            key = lex.folded.get(stem)
            if key is not None and key != stem:
                return _rules(key + suffix)
    return None


# Folded forms of the suffixes of Persian surnames, longest first.
_LATIN_SUFFIXES = ("zadiqan", "nijad", "vand", "zad", "pur", "nia", "far", "rad", "ian", "lu", "i")


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


class _Phrases(NamedTuple):
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
    "ابراهیم رئیسی" -> "ibrahim risi", as "Ebrahim Raisi". See ``FOLDING_RULES``.
    """
    return " ".join(fold_words(text))


@lru_cache(maxsize=131072)
def fold_words(text: str) -> tuple[str, ...]:
    """``fold(text)`` as a tuple of words."""
    if text.isascii():
        tokens: list[str] = []
        for chunk in text.split():
            tokens += _fold_chunk(chunk)
        return _without_honorifics(tokens)
    return _fold_native(text)[0]


@lru_cache(maxsize=65536)
def _fold_chunk(chunk: str) -> tuple[str, ...]:
    """One whitespace-free piece of ASCII text, folded: names repeat their words, so this is cached."""
    return tuple(t for t in map(fold_token, _words(chunk)) if t)


def _without_honorifics(tokens: list[str]) -> tuple[str, ...]:
    return tuple(_name_left(tokens, _honorifics()[1]))


def _name_left(words: list[str], honorifics: _Phrases) -> list[str]:
    """``words`` without honorifics; a name made only of such words (Mola Mola) keeps its
    last two, so that one more before it (Ayatollah Mola Mola) still meets it: without
    the honorifics those two hold apart (Ayat Ayatollah Ollah keeps Ollah, as Ayatollah
    Ollah does), so that folding a folded name changes nothing."""
    last = words[-2:]
    return _drop_phrases(words, honorifics) or _drop_phrases(last, honorifics) or last


@lru_cache(maxsize=65536)
def _fold_native(text: str) -> tuple[tuple[str, ...], frozenset[str], tuple[str, ...] | None]:
    """``fold_words`` of text with non-ASCII letters; the folded words guessed by syllable
    rules; and, for text in Persian script, its words as romanised, unfolded (Naseri and
    Nasiri stay apart)."""
    words = _normalize(text).split()
    native = bool(_ARABIC_SCRIPT.search(text))
    if native:
        words = _attach_suffixes(_name_left(words, _honorifics()[0]))
    tokens: list[str] = []
    spelt: list[str] = []
    guessed: set[str] = set()
    for word in words:
        folded, romanised, guess = _native_word(word)
        tokens += folded
        spelt += romanised
        if guess:
            guessed.update(guess)
    return _without_honorifics(tokens), frozenset(guessed), tuple(spelt) if native else None


@lru_cache(maxsize=65536)
def _native_word(word: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """One normalized whitespace-free word: its folded words, its words as romanised (unfolded),
    and those of its folded words that were guessed by syllable rules."""
    from anyascii import anyascii

    folded: list[str] = []
    spelt: list[str] = []
    guessed: list[str] = []
    done = 0
    for run in _PERSIAN_RUN.finditer(word):
        if run.start() > done:
            folded += _fold_chunk(anyascii(word[done : run.start()]))
            spelt += _words(anyascii(word[done : run.start()]))
        spelling, guess = _romanize_word(run.group())
        folded += _fold_chunk(spelling)
        spelt += _words(spelling)
        if guess:
            guessed += _fold_chunk(spelling)
        done = run.end()
    if done < len(word):
        folded += _fold_chunk(anyascii(word[done:]))
        spelt += _words(anyascii(word[done:]))
    return tuple(folded), tuple(spelt), tuple(guessed)


# Name parts that never stand alone: written with a space where the zero-width
# non-joiner belongs, they go back onto the word before (روح الله -> روح‌الله).
_BOUND = frozenset(_normalize(w) for w in ("الله", "الدین", "الاسلام", "السادات", "الملوک", "زاده", "زادگان",
                                           "نژاد", "ای"))


def _attach_suffixes(words: list[str]) -> list[str]:
    if _BOUND.isdisjoint(words):
        return words
    out: list[str] = []
    for word in words:
        if out and word in _BOUND and _PERSIAN_RUN.fullmatch(out[-1]):
            out[-1] += word
        else:
            out.append(word)
    return out


def match_key(text: str) -> str:
    """The folded name with spaces removed: "Pour Mohammadi" and "Pourmohammadi" meet."""
    return join_words(fold_words(text))


def join_words(words: Iterable[str]) -> str:
    """Folded words written together (``match_key`` of the name they are the words of)."""
    return _join(words)


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


@lru_cache(maxsize=65536)
def _consonants(token: str) -> str:
    """``skeleton_token`` keeping a final i (the suffix ی: Ahmad and Ahmadi differ); '' if too short."""
    skeleton = _SKELETON_VOWELS.sub("", token).removesuffix("h")
    if token.endswith("i"):
        skeleton += "I"
    return skeleton if len(skeleton) >= 3 else ""


# --- romanisation of Persian script --------------------------------------------------


def romanize(text: str) -> str:
    """Persian words spelt in Latin letters with their vowels, other text kept as it is.

    'گزارش شاهدان و مردم' -> 'gozaresh shahedan va mardom'; 'روح الله' -> 'rouhollah'
    (a name part written apart goes back onto its word); honorifics are kept.
    """
    words: list[tuple[str, str]] = []  # (as written, normalized)
    for word in text.split():
        normal = _normalize(word)
        if words and normal in _BOUND and _PERSIAN_RUN.fullmatch(words[-1][1]):
            words[-1] = (words[-1][0] + word, words[-1][1] + normal)
        else:
            words.append((word, normal))
    out = []
    for word, normal in words:
        pieces = []
        done = 0
        for run in _PERSIAN_RUN.finditer(normal):
            pieces.append(normal[done : run.start()])
            pieces.append(_romanize_word(run.group())[0])
            done = run.end()
        pieces.append(normal[done:])
        out.append("".join(pieces) if done else word)
    joined = " ".join(out)
    if joined.isascii():
        return joined  # (anyascii takes ~2 ms to import: a search should not wait for it)
    from anyascii import anyascii

    return anyascii(joined)


@lru_cache(maxsize=65536)
def _romanize_word(word: str) -> tuple[str, bool]:
    """A normalized Persian word in Latin letters, and whether it was guessed (not built from the lexicon)."""
    lex = _lexicon()
    known = _known(word, lex)
    if known is not None:
        return known, False
    head, stem, tail = "", word, ""
    for suffix, latin in lex.suffixes:
        if len(word) - len(suffix) >= 2 and word.endswith(suffix):
            stem, tail = word[: -len(suffix)], latin
            break
    else:
        for prefix, latin in lex.prefixes:
            if len(word) - len(prefix) >= 2 and word.startswith(prefix):
                head, stem = latin, word[len(prefix) :]
                break
    # A word the lexicon lacks is no name it lists: a guess that folds onto a listed
    # name's key (صدیقی guessed Sadighi, the key of Sadeghi) tries the other short vowels.
    keys = lex.keys
    for vowel in "aeo":
        spelling = _glue(_glue(head, _guess(stem, vowel)), tail) if head else _glue(_guess(stem, vowel), tail)
        if not keys.intersection(_fold_chunk(spelling)):
            break
    else:
        spelling = _glue(_glue(head, _guess(stem)), tail) if head else _glue(_guess(stem), tail)
    return spelling, True


def _known(word: str, lex: _Lexicon) -> str | None:
    """The word built from the lexicon: a listed word, or one with a suffix, a prefix, or two words."""
    hit = lex.persian.get(word) or lex.parts.get(word)
    if hit is not None:
        return hit
    for suffix, latin in lex.suffixes:
        if len(word) - len(suffix) >= 2 and word.endswith(suffix):
            stem = word[: -len(suffix)]
            head = lex.persian.get(stem) or _two_words(stem, lex)
            if head is not None:
                return _glue(head, latin)
    for prefix, latin in lex.prefixes:
        if len(word) - len(prefix) >= 2 and word.startswith(prefix):
            rest = word[len(prefix) :]
            tail = lex.persian.get(rest)
            if tail is None:
                for suffix, latin2 in lex.suffixes:
                    if len(rest) - len(suffix) >= 2 and rest.endswith(suffix):
                        middle = lex.persian.get(rest[: -len(suffix)])
                        if middle is not None:
                            tail = _glue(middle, latin2)
                            break
            if tail is not None:
                return _glue(latin, tail)
    return _two_words(word, lex)


def _two_words(word: str, lex: _Lexicon) -> str | None:
    """علیرضا -> Alireza: two listed words written together (the longest first word wins)."""
    for i in range(len(word) - 2, 1, -1):
        head = lex.persian.get(word[:i])
        if head is not None:
            tail = lex.persian.get(word[i:])
            if tail is not None:
                return _glue(head, tail)
    return None


def _glue(head: str, tail: str) -> str:
    # A final silent h goes before a vowel: Khameneh + ei -> Khamenei.
    if head.endswith("eh") and tail[:1] in ("e", "i"):
        head = head[:-1]
    return head + tail


_CONSONANTS = {
    "ب": "b", "پ": "p", "ت": "t", "ج": "j", "چ": "ch", "خ": "kh", "د": "d", "ر": "r", "ز": "z",
    "ژ": "zh", "س": "s", "ش": "sh", "ع": "", "غ": "gh", "ف": "f", "ق": "gh", "ک": "k", "گ": "g",
    "ل": "l", "م": "m", "ن": "n", "ه": "h",
}  # fmt: skip


# Two letters that the Latin rules would read as one (p + h as ph -> f): a guess puts a
# vowel between them, as Sepehr (سپهر) is spelt.
_DIGRAPHS = frozenset(["kh", "gh", "ph", "dh", "zh", "jh", "dj"])


@lru_cache(maxsize=16384)
def _guess(word: str, short_vowel: str = "a") -> str:
    """A Persian word the lexicon cannot build, spelt by syllable rules: ورزنده -> varzandeh.

    Persian writes long vowels (ا و ی) but not short ones. و and ی are
    consonants (v, y) next to a vowel letter and vowels (u, i) between
    consonants; a consonant with no vowel after it opens a syllable that needs
    one, so a short vowel (``short_vowel``) is inserted, or e in the last syllable after a
    long a (Kazem, Naser). A final silent ه is -eh.
    """
    units: list[tuple[bool, str]] = []  # (is a vowel, Latin)
    n = len(word)
    for i, ch in enumerate(word):
        nxt = word[i + 1] if i + 1 < n else ""
        after_vowel = bool(units) and units[-1][0]
        initial_alef = i == 1 and word[0] == "ا"  # ای-, او-: this letter is the vowel
        if ch == "ا":
            if i == 0 and nxt in ("ی", "و"):
                continue
            units.append((True, "a"))
        elif ch == "و":
            consonant = i == 0 or word[i - 1] == "ا" or nxt in ("ا", "ی") or after_vowel
            units.append((False, "v") if consonant and not initial_alef else (True, "ou"))
        elif ch == "ی":
            consonant = not initial_alef and (i == 0 or after_vowel)
            units.append((False, "y") if consonant else (True, "i"))
        elif ch == "ه" and i == n - 1 and i > 0 and word[i - 1] not in ("ا", "و", "ی"):
            units.append((True, "eh"))
        else:
            units.append((False, _CONSONANTS.get(ch, "")))
    out: list[str] = []
    last = len(units) - 1
    onset = False  # a consonant waits for its vowel
    nucleus = False  # the current syllable has its vowel
    long_a = False  # ... and it is a written a (ā)
    short = False  # ... and it is an inserted short vowel
    for j, (vowel, latin) in enumerate(units):
        if vowel:
            out.append(latin)
            onset, nucleus, long_a, short = False, True, latin == "a" and j > 0, False
            continue
        if onset:  # two consonants in a row at a syllable's start: a short vowel between
            out.append("e" if long_a and j == last else short_vowel)
            onset, nucleus, long_a, short = False, True, False, True
        elif out and out[-1][-1:] + latin[:1] in _DIGRAPHS:
            out.append("e")
        if not nucleus:
            out.append(latin)
            onset = True
            continue
        out.append(latin)
        following = units[j + 1] if j < last else None
        final_pair = following is not None and not following[0] and j + 1 == last
        if following is not None and (following[0] or (final_pair and not short)):
            onset, nucleus = True, False  # the next syllable's onset (also Kazem, Bijan: not Kazm, Bijn)
        else:
            onset, nucleus = False, final_pair  # a coda; a final cluster after a short vowel: bakhsh
    return "".join(out)


# --- the lexicon -----------------------------------------------------------------------


class _Lexicon(NamedTuple):
    persian: dict[str, str]  # normalized Persian word -> Latin spelling
    suffixes: tuple[tuple[str, str], ...]  # (normalized Persian, Latin), longest first
    prefixes: tuple[tuple[str, str], ...]
    folded: dict[str, str]  # rule-folded spelling -> the name's key
    spelt: dict[str, str]  # lowercase spelling -> the name's usual spelling (to break ties)
    parts: dict[str, str]  # a suffix or prefix written as a word of its own (علی بیگی) -> Latin
    keys: frozenset[str]  # the folded keys of the listed names


def _entries(text: str) -> list[tuple[list[str], list[str]]]:
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            persian, *latin = line.split()
            out.append(([_normalize(p) for p in persian.split("/")], [s.lower() for s in latin]))
    return out


_made: list[_Lexicon] = []  # the lexicon, once made (or loaded with a saved name index)


def _lexicon() -> _Lexicon:
    if not _made:
        _made.append(_make_lexicon())
    return _made[0]


def lexicon_state() -> list[Any]:
    """The lexicon as made from ``_LEXICON`` (about 13 ms), as plain lists, for ``use_lexicon``."""
    lex = _lexicon()
    return [lex.persian, [list(p) for p in lex.suffixes], [list(p) for p in lex.prefixes], lex.folded,
            lex.spelt, lex.parts, sorted(lex.keys)]


def use_lexicon(state: Sequence[Any]) -> None:
    """Use a lexicon saved by ``lexicon_state`` by this same version of this module."""
    persian, suffixes, prefixes, folded, spelt, parts, keys = state
    _made[:] = [_Lexicon(persian, tuple((a, b) for a, b in suffixes), tuple((a, b) for a, b in prefixes),
                         folded, spelt, parts, frozenset(keys))]


def _make_lexicon() -> _Lexicon:
    entries = _entries(_LEXICON)
    persian: dict[str, str] = {}
    spelt: dict[str, str] = {}
    for forms, latin in entries:
        for form in forms:
            persian.setdefault(form, latin[0])
        spelt.setdefault(latin[0], latin[0])  # a usual spelling is never another name's variant
    folded: dict[str, str] = {}
    ambiguous: set[str] = set()
    keys: list[str] = []
    for _, latin in entries:
        variants = [_rules(spelling) for spelling in latin]
        key = variants[0]
        keys.append(key)
        for spelling, variant in zip(latin, variants, strict=True):
            spelt.setdefault(spelling, latin[0])
            if folded.setdefault(variant, key) != key:
                ambiguous.add(variant)
    for variant in ambiguous:
        del folded[variant]
    for key in keys:  # a name's key stands for itself, whatever variant resembles it
        folded[key] = key

    def morphemes(text: str) -> tuple[tuple[str, str], ...]:
        pairs = [(form, latin[0]) for forms, latin in _entries(text) for form in forms]
        return tuple(sorted(pairs, key=lambda p: -len(p[0])))

    suffixes, prefixes = morphemes(_SUFFIXES), morphemes(_PREFIXES)
    parts = {form: latin for form, latin in (*prefixes, *suffixes) if len(form) > 2}
    return _Lexicon(persian, suffixes, prefixes, folded, spelt, parts, frozenset(keys))


def lexicon_covers(word: str) -> bool:
    """Whether a Persian word is romanised from the lexicon (else its vowels are guessed)."""
    normal = _normalize(word)
    return all(not _romanize_word(run.group())[1] for run in _PERSIAN_RUN.finditer(normal))


# --- scoring -------------------------------------------------------------------

THRESHOLD = 75
"""Hits scoring below this (0–100) are not shown: an unrelated name scores lower."""
STEEPNESS = 3.5
"""Two folded words score ``100 − STEEPNESS × (100 − ratio)`` (at least 0), where
``ratio`` is ``rapidfuzz.fuzz.ratio``: spellings of one name fold to the same
word, so a word that still differs is most often another name (Rahmani and
Rahmati, 86 → 50), and a near miss must count for little."""
WORD_CUTOFF = 100 - 100 / STEEPNESS
"""The ``ratio`` under which two words count as 0 (about 71)."""
GUESS_SIMILARITY = 90.0
"""A word romanised by syllable rules (not from the lexicon) may have its short
vowels wrong: against a word with the same consonants it scores this."""
_QUERY_WEIGHT = 0.75

_Ratios = dict[str, dict[str, float]]  # query key -> name key -> similarity (> 0 only)


@lru_cache(maxsize=65536)
def _shares(words: tuple[str, ...]) -> tuple[float, ...]:
    """Each query word's share of the query: the square root of its length, so a long surname
    counts for more than a short given name (and a compound written split, Malek Zadeh, does
    not count twice), but not so much that a surname alone makes a full name."""
    weights = [math.sqrt(len(w)) for w in words]
    total = sum(weights)
    return tuple(w / total for w in weights)


def _similarity(ratio: float) -> float:
    return max(0.0, 100.0 - STEEPNESS * (100.0 - ratio))


_GROUPED = 4
"""Names of up to this many words are compared with their adjacent words joined in every
way (Vali Ollah Malek Zadeh meets Valiollah Malekzadeh); longer ones one pair at a time."""


@lru_cache(maxsize=65536)
def _variants(words: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The words, and the words with adjacent ones joined."""
    n = len(words)
    if n <= _GROUPED:
        out = []
        for cuts in range(1 << max(n - 1, 0)):  # bit i set: a word boundary after word i
            groups, start = [], 0
            for i in range(n - 1):
                if cuts >> i & 1:
                    groups.append(_join(words[start : i + 1]))
                    start = i + 1
            groups.append(_join(words[start:]))
            out.append(tuple(groups))
        out.sort(key=len, reverse=True)  # the words as they are first
        return tuple(out)
    out = [words]
    for i in range(n - 1):
        out.append((*words[:i], _join(words[i : i + 2]), *words[i + 2 :]))
    out.append((_join(words),))
    return tuple(out)


def _score(query: tuple[str, ...], name: tuple[str, ...], ratios: _Ratios) -> float:
    """``score`` with the word similarities looked up (see ``score``)."""
    best = 0.0
    for q in _variants(query):
        rows = [ratios[w] for w in q]
        weighted = list(zip(_shares(q), rows, strict=True))
        for n in _variants(name):
            fwd = sum(share * max(row.get(w, 0.0) for w in n) for share, row in weighted)
            back = sum(max(row.get(w, 0.0) for row in rows) for w in n) / len(n)
            s = _QUERY_WEIGHT * fwd + (1 - _QUERY_WEIGHT) * back
            if s > best:
                best = s
    return min(best, 100.0)


def score(query: tuple[str, ...], name: tuple[str, ...]) -> float:
    """Similarity 0–100 of two folded word tuples (``fold_words``).

    ``0.75 × (how well the query's words are found in the name) + 0.25 × (how
    well the name's words are found in the query)``, where "how well" is the
    mean, over the words (the query's weighted by ``_shares``), of the best word
    similarity against a word of the other side (``100 − STEEPNESS × (100 −
    rapidfuzz ratio)``, at least 0), and the best over the variants of both
    sides with adjacent words joined ("pur muhamadi" and "purmuhamadi" meet).
    The same words in any order score 100; a surname alone 87.5 against a
    two-word name; a two-word name about 64 against a record holding only that
    surname; a full name with its surname one letter off (Ali Rahmati, Ali
    Rahmani) about 71, and with another surname about 44.
    """
    return _score(query, name, _word_ratios(query, name))


def _word_ratios(query: tuple[str, ...], name: tuple[str, ...],
                 guessed: frozenset[str] = frozenset()) -> _Ratios:
    """Each index key of ``query`` against each of ``name``: their similarity (> 0 only); a word
    ``guessed`` meets one with the same consonants at ``GUESS_SIMILARITY`` at least."""
    from rapidfuzz.fuzz import ratio

    name_keys = _keys(name)
    ratios: _Ratios = {}
    for key in _keys(query):
        row: dict[str, float] = {}
        ratios[key] = row
        for other in name_keys:
            s = _similarity(ratio(key, other, score_cutoff=WORD_CUTOFF))
            if (guessed and (key in guessed or other in guessed) and (consonants := _consonants(key))
                    and consonants == _consonants(other)):
                s = max(s, GUESS_SIMILARITY)
            if s:
                row[other] = s
    return ratios


def across_scripts_score(latin: str, native: str) -> float:
    """How alike a name in Latin letters and one in Persian script are, as ``search`` scores a
    query in one script against a person with names in the other only (its second pass):
    ``score`` of their folded words, either way round, where a word of the Persian name
    romanised by syllable rules (``_guess``: its short vowels may be wrong) meets a word with
    the same consonants at ``GUESS_SIMILARITY`` at least (سپهرنیا guessed sapiharnia meets
    Sepehrnia). What ``check`` weighs a pair of names in two scripts by, as ``add`` does."""
    latin_words = fold_words(latin)
    native_words, guessed, _ = _fold_native(native)
    return max(_score(query, name, _word_ratios(query, name, guessed))
               for query, name in ((latin_words, native_words), (native_words, latin_words)))


@lru_cache(maxsize=65536)
def _keys(words: tuple[str, ...]) -> tuple[str, ...]:
    """Index keys of a name: every word of its ``_variants``."""
    if len(words) == 1:
        return words
    if len(words) == 2:
        return (*words, _join(words)) if words[0] != words[1] else (words[0], _join(words))
    return tuple(dict.fromkeys(w for variant in _variants(words) for w in variant))


@lru_cache(maxsize=65536)
def _spelling(text: str) -> str:
    """The name in Latin letters (Persian romanised), each word as the lexicon usually spells it.

    Folding merges Hamid and Hamed; this tells them apart again, to break ties:
    "Hameed" is spelt "hamid", "حامد" is spelt "hamed".
    """
    if not text.isascii():
        text = romanize(text)
    spelt = _lexicon().spelt
    return " ".join(spelt.get(w, w) for w in _words(text))


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


_Postings = dict[str, list[tuple[str, ...]]]  # index key -> folded names holding it
_Groups = dict[tuple[str, ...], list[int]]  # folded name -> entries
_Best = dict[int, tuple[float, float, float, str]]  # record -> (score, closeness, as typed, name)


class _Part:
    """Names to score, indexed: all of them, or those of the persons lacking one script."""

    def __init__(self, groups: Mapping[tuple[str, ...], list[int]], guessed: set[str]) -> None:
        self.groups = groups
        self.guessed = guessed  # folded words romanised by syllable rules
        self.postings: Mapping[str, list[tuple[str, ...]]] | None = None
        self.by_consonants: dict[bool, dict[str, list[str]]] | None = None

    def index(self) -> Mapping[str, list[tuple[str, ...]]]:
        if self.postings is None:
            self.postings = _postings(self.groups)
        return self.postings

    def consonant_index(self, every: bool) -> dict[str, list[str]]:
        """Index keys by their consonants: all keys (for a guessed query word), or the guessed ones."""
        if self.by_consonants is None:
            self.by_consonants = {}
        index = self.by_consonants.get(every)
        if index is None:
            index = {}
            for key in self.index() if every else self.guessed:
                consonants = _consonants(key)
                if consonants:
                    index.setdefault(consonants, []).append(key)
            self.by_consonants[every] = index
        return index


class _Packed:
    """Lists of small ints packed in two arrays (every list's items, each list's end), saved
    as base64: a saved index loads them without making an object per number."""

    def __init__(self, text: str, count: int) -> None:
        """ValueError unless it holds ``count`` lists. (Their numbers are not each checked: a
        pass over them costs a search ~1 ms, to guard against a file altered inside its
        arrays, which no crash or copy makes.)"""
        items, ends = text.split(" ")
        self.items, self.ends = _ints(items), _ints(ends)
        if len(self.ends) != count or (self.ends[-1] if count else 0) != len(self.items):
            raise ValueError("packed lists of another index")

    @staticmethod
    def text(lists: Iterable[Iterable[int]]) -> str:
        items, ends = array("I"), array("I")
        for found in lists:
            items.extend(found)
            ends.append(len(items))
        return f"{_base64(items)} {_base64(ends)}"

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> list[int]:
        """The ``i``-th list (0 ≤ i < len)."""
        found: list[int] = self.items[self.ends[i - 1] if i else 0:self.ends[i]].tolist()
        return found


def _base64(numbers: array[int]) -> str:
    return binascii.b2a_base64(numbers.tobytes(), newline=False).decode()


def _ints(text: str) -> array[int]:
    numbers = array("I")
    numbers.frombytes(binascii.a2b_base64(text))
    return numbers


# Packed arrays are saved in this machine's layout; another machine's are made anew.
_INTS = [sys.byteorder, array("I").itemsize]


_K = TypeVar("_K")
_V = TypeVar("_V")


class _Overlaid(Mapping[_K, list[_V]]):
    """A mapping saved packed, unpacked per key asked, with what was added since it was saved
    kept beside it (the packed lists stay packed). A subclass says where a key is saved
    (``_at``), what is saved there (``_saved``) and which keys are (``_saved_keys``)."""

    def __init__(self, saved: int) -> None:
        self._saved_count = saved  # keys saved
        self._added: dict[_K, list[_V]] = {}

    def _at(self, key: _K) -> int | None:
        raise NotImplementedError

    def _saved(self, at: int) -> list[_V]:
        raise NotImplementedError

    def _saved_keys(self) -> Iterator[_K]:
        raise NotImplementedError

    def add(self, key: _K, value: _V) -> bool:
        """``value`` under ``key`` too; whether the key is new."""
        new = key not in self._added and self._at(key) is None
        self._added.setdefault(key, []).append(value)
        return new

    def __getitem__(self, key: _K) -> list[_V]:
        at, added = self._at(key), self._added.get(key, [])
        if at is None:
            if not added:
                raise KeyError(key)
            return list(added)
        return self._saved(at) + added

    def __iter__(self) -> Iterator[_K]:
        yield from self._saved_keys()
        yield from (key for key in self._added if self._at(key) is None)

    def __len__(self) -> int:
        return self._saved_count + sum(self._at(key) is None for key in self._added)


class _PackedGroups(_Overlaid[tuple[str, ...], int]):
    """The distinct folded names of a saved index and their entries, unpacked one by one:
    a search reaches a few dozen of thousands. Folded words are ASCII letters and digits,
    so a name is saved as its words joined by spaces, the names joined by newlines."""

    def __init__(self, joined: str, entries: str) -> None:
        self._names = joined.split("\n") if joined else []
        super().__init__(len(self._names))
        self._entries = _Packed(entries, len(self._names))
        self._place: dict[tuple[str, ...], int] = {}  # the names unpacked so far
        self._words: list[tuple[str, ...] | None] = [None] * len(self._names)

    def words(self, g: int) -> tuple[str, ...]:
        found = self._words[g]
        if found is None:
            found = self._words[g] = tuple(self._names[g].split(" "))
            self._place[found] = g
        return found

    def _at(self, key: tuple[str, ...]) -> int | None:
        if key not in self._place and len(self._place) < len(self._names):
            for g in range(len(self._names)):
                self.words(g)
        return self._place.get(key)

    def _saved(self, at: int) -> list[int]:
        return self._entries[at]

    def _saved_keys(self) -> Iterator[tuple[str, ...]]:
        return map(self.words, range(len(self._names)))


class _PackedPostings(_Overlaid[str, tuple[str, ...]]):
    """The postings of a saved index (index key -> folded names), unpacked per key asked."""

    def __init__(self, joined: str, names: str, groups: _PackedGroups) -> None:
        self._keys = joined.split("\n") if joined else []
        super().__init__(len(self._keys))
        self._names, self._groups = _Packed(names, len(self._keys)), groups
        self._place: dict[str, int] | None = None

    def _at(self, key: str) -> int | None:
        if self._place is None:
            self._place = {k: i for i, k in enumerate(self._keys)}
        return self._place.get(key)

    def _saved(self, at: int) -> list[tuple[str, ...]]:
        return list(map(self._groups.words, self._names[at]))

    def _saved_keys(self) -> Iterator[str]:
        return iter(self._keys)


_FoldedName = tuple[str, tuple[str, ...], tuple[str, ...] | None, frozenset[str]]
"""A name as written, its folded words, (Persian script) its words as romanised, and the
folded words whose vowels were guessed by syllable rules."""


class FoldedPerson(NamedTuple):
    """What the name index keeps of one person: every name folded (cacheable: ``to_json``)."""

    id: str
    name: str
    names: tuple[_FoldedName, ...]
    respelled: tuple[tuple[int, tuple[str, ...]], ...]  # (name, its guessed words as Latin names spell them)
    scripts: int  # 1: has a Latin name, 2: a Persian one

    def to_json(self) -> list[Any]:
        return [self.id, self.name, [[n, list(w), list(s) if s is not None else None, sorted(g)]
                                     for n, w, s, g in self.names],
                [[i, list(w)] for i, w in self.respelled], self.scripts]

    @classmethod
    def from_json(cls, data: list[Any]) -> FoldedPerson:
        pid, name, names, respelled, scripts = data
        return cls(pid, name,
                   tuple((n, tuple(w), tuple(s) if s is not None else None, frozenset(g))
                         for n, w, s, g in names),
                   tuple((i, tuple(w)) for i, w in respelled), scripts)


def fold_person(record: Mapping[str, Any]) -> FoldedPerson:
    """Every name of a stored record folded (tolerant of a hand-edited record)."""
    names: list[_FoldedName] = []
    scripts = 0
    pending = False  # a Persian name with guessed words, to respell from the Latin names
    aliases = record.get("aliases")
    others = aliases if type(aliases) is list else ()
    for name in (record.get("name"), record.get("native_name"), *others):
        if type(name) is not str or not name or name.isspace():
            continue
        if name.isascii():
            words = fold_words(name)
            if not words:
                continue
            scripts |= 1
            names.append((name, words, None, frozenset()))
            continue
        words, guesses, romanised = _fold_native(name)
        if not words:
            continue
        scripts |= 1 if romanised is None else 2
        pending = pending or bool(guesses)
        names.append((name, words, romanised, guesses))
    respelled: tuple[tuple[int, tuple[str, ...]], ...] = ()
    if pending and scripts & 1:
        folded = [(n, fold_words(n), g, s) for n, _, s, g in names]
        respelled = tuple(_spell_guesses(folded).items())
    return FoldedPerson(str(record.get("id", "")), str(record.get("name", "")), tuple(names), respelled,
                        scripts)


class NameIndex:
    """Every name of every record folded once; distinct folded names indexed by word.

    Scoring is per distinct folded name (many persons share one), then spread to
    the names' records. Two refinements follow the scripts:

    - A Persian query against a Persian name is scored on the words as
      romanised before folding, so names the Latin folding merges but Persian
      script tells apart (ناصری, نصیری) stay apart.
    - A word romanised by syllable rules (``_guess``) may have its short vowels
      wrong. When the person also has Latin names, the word takes the spelling
      of the Latin word with the same consonants (``_spell_guesses``); for the
      persons with no name in the query's script a second pass lets it meet
      any word with the same consonants (``GUESS_SIMILARITY``).
    """

    def __init__(self, records: Iterable[Mapping[str, Any]] = ()) -> None:
        # Flat arrays, so that the index can be saved and loaded (``state``) without a
        # loop over every name. r: a record (a person); e: an entry (one of its names).
        self.ids: list[str | None] = []  # per record; None: removed since (see ``remove``)
        self.names: list[str] = []  # per record: its primary name
        self.scripts: list[int] = []  # per record: 1 = has a Latin name, 2 = a Persian one
        self.entry_record: array[int] = array("I")
        self._entry_name: list[str] | None = []  # the name as written
        self._names_joined = ""  # the same joined by newlines, when loaded from a state
        # Persian script: its words romanised, unfolded, joined by spaces (one string loads
        # faster than a list of words: ~70 ms less for 100,000 persons)
        self._entry_spelt: list[str | None] | None = []
        self._entry_guessed: list[list[str] | None] | None = []  # its folded words guessed by syllable rules
        self._saved = ("[]", "[]")  # the two as JSON, when loaded from a state
        self._by_words: _Groups | None = {}  # None: still packed, in ``_all``
        self._by_id: dict[str, int] | None = {}
        self._reset()
        for record in records:
            self.add(fold_person(record))

    def _reset(self) -> None:
        self._all = _Part(self.by_words, set())
        self._cross: dict[bool, _Part] = {}

    @property
    def by_words(self) -> _Groups:
        """Every distinct folded name -> its entries. A saved index keeps them packed (with
        the postings, and the names added since beside them) until it is saved again."""
        if self._by_words is None:
            packed, postings = self._all.groups, self._all.postings
            self._by_words = {words: packed[words] for words in packed}
            self._reset()
            if postings is not None:
                self._all.postings = {key: postings[key] for key in postings}
        return self._by_words

    # Loaded (``from_state``) only when first used: most searches need neither the ids by
    # person nor, with no Persian in the query or the index, the romanised words.

    @property
    def by_id(self) -> dict[str, int]:
        if self._by_id is None:
            self._by_id = {pid: r for r, pid in enumerate(self.ids) if pid is not None}
        return self._by_id

    @property
    def entry_name(self) -> list[str]:
        # One string, split when first used: ~30 ms less to load for 100,000 persons than a
        # JSON list, and a search that finds nothing never splits it.
        if self._entry_name is None:
            self._entry_name = self._names_joined.split("\n") if self.entry_record else []
        return self._entry_name

    @property
    def entry_spelt(self) -> list[str | None]:
        if self._entry_spelt is None:
            self._entry_spelt = orjson.loads(self._saved[0])
        return self._entry_spelt

    @property
    def entry_guessed(self) -> list[list[str] | None]:
        if self._entry_guessed is None:
            self._entry_guessed = orjson.loads(self._saved[1])
        return self._entry_guessed

    def add(self, person: FoldedPerson) -> None:
        """Index one more person (a person indexed before is replaced)."""
        if person.id in self.by_id:
            self.remove(person.id)
        r = len(self.ids)
        self.ids.append(person.id)
        self.names.append(person.name)
        self.scripts.append(person.scripts)
        self.by_id[person.id] = r
        first = len(self.entry_record)
        for name, words, romanised, guesses in person.names:
            e = len(self.entry_record)
            self.entry_record.append(r)
            self.entry_name.append(name)
            self.entry_spelt.append(" ".join(romanised) if romanised is not None else None)
            self.entry_guessed.append(sorted(guesses) if guesses else None)
            self._grouped(words, e)
        for i, words in person.respelled:
            self._grouped(words, first + i)
        self._cross.clear()

    def _grouped(self, words: tuple[str, ...], e: int) -> None:
        """Entry ``e`` is the folded name ``words``: into its group, and a new name into the
        postings, if they are made already (loaded with the index). A saved index takes it
        beside its packed lists, which stay packed."""
        groups, postings = self._all.groups, self._all.postings
        if isinstance(groups, _PackedGroups):
            new = groups.add(words, e)
        else:
            assert isinstance(groups, dict)
            found = groups.get(words)
            new = found is None
            if found is None:
                groups[words] = [e]
            else:
                found.append(e)
        if new and postings is not None:
            for key in _keys(words):
                if isinstance(postings, _PackedPostings):
                    postings.add(key, words)
                else:
                    assert isinstance(postings, dict)
                    postings.setdefault(key, []).append(words)

    def remove(self, person_id: str) -> None:
        """Forget a person: its record is marked removed (its entries stay, unreachable)."""
        r = self.by_id.pop(person_id, None)
        if r is not None:
            self.ids[r] = None

    @property
    def removed(self) -> int:
        return self.ids.count(None)

    def state(self) -> dict[str, Any]:
        """The index as plain lists (JSON), for ``from_state``."""
        return {"ids": self.ids, "names": self.names, "scripts": self.scripts,
                "ints": _INTS, "entry_record": _base64(self.entry_record),
                "entry_name": self._names_state(),
                "entry_spelt": orjson.dumps(self.entry_spelt).decode(),
                "entry_guessed": orjson.dumps(self.entry_guessed).decode(),
                "by_words": ["\n".join(" ".join(w) for w in self.by_words),
                             _Packed.text(self.by_words.values())],
                "postings": self._postings_state(),
                "lexicon": lexicon_state()}

    def _names_state(self) -> str | list[str]:
        # (a name written through TinyDB or by hand may hold a newline: then the list)
        joined = "\n".join(self.entry_name)
        return joined if joined.count("\n") == len(self.entry_name) - 1 else self.entry_name

    def _postings_state(self) -> list[str]:
        # Saved too (each distinct name by its place in by_words): making them costs ~14 ms
        # for 10,000 persons.
        place = {words: i for i, words in enumerate(self.by_words)}
        postings = self.postings()
        return ["\n".join(postings), _Packed.text([place[w] for w in found] for found in postings.values())]

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> NameIndex:
        """The index ``state`` saved (ValueError: its numbers packed by a machine of another
        byte order, or not for this index)."""
        if state["ints"] != _INTS:
            raise ValueError("packed by a machine of another byte order")
        if "lexicon" in state:
            use_lexicon(state["lexicon"])  # the words of a query are folded with it
        index = cls()
        index.ids, index.names, index.scripts = state["ids"], state["names"], state["scripts"]
        index.entry_record = _ints(state["entry_record"])
        persons, records = len(index.ids), index.entry_record  # (records: ascending, as added)
        if not persons == len(index.names) == len(index.scripts) or (records and records[-1] >= persons):
            raise ValueError("entries of another index")
        names = state["entry_name"]
        if isinstance(names, str):
            index._entry_name, index._names_joined = None, names
        else:
            index._entry_name = names
        index._saved = (state["entry_spelt"], state["entry_guessed"])
        index._entry_spelt = index._entry_guessed = None
        joined, entries = state["by_words"]
        groups = _PackedGroups(joined, entries)
        keys, holding = state["postings"]
        index._by_words = index._by_id = None
        index._all = _Part(groups, set())
        index._cross = {}
        index._all.postings = _PackedPostings(keys, holding, groups)
        return index

    def postings(self) -> Mapping[str, list[tuple[str, ...]]]:
        return self._all.index()

    def search(self, query: str, *, limit: int | None = 10, threshold: float = THRESHOLD) -> list[Hit]:
        spelt: tuple[str, ...] | None = None
        if query.isascii():
            words, guessed = fold_words(query), frozenset[str]()
        else:
            words, guessed, spelt = _fold_native(query)
        if not words:
            return []
        best: _Best = {}
        self._collect(query, words, spelt, self._all, None, threshold, best)
        cross = self._cross_part(spelt is not None)
        if cross.groups and (guessed or cross.guessed):
            self._collect(query, words, spelt, cross, guessed, threshold, best)
        ids, names = self.ids, self.names
        ranked = sorted(
            ((s, close, typed, r, name) for r, (s, close, typed, name) in best.items()),
            key=lambda h: (-h[0], -h[1], -h[2], names[h[3]], ids[h[3]] or ""),
        )
        hits = [Hit(ids[r] or "", names[r], name, round(s)) for s, _, _, r, name in ranked]
        return hits[:limit] if limit is not None else hits

    def _cross_part(self, native_query: bool) -> _Part:
        """The names of the persons with no name in the query's script."""
        part = self._cross.get(native_query)
        if part is None:
            bit = 2 if native_query else 1
            groups: _Groups = {}
            guessed: set[str] = set()
            if any(not s & bit for s in self.scripts):
                scripts, records, entry_guessed = self.scripts, self.entry_record, self.entry_guessed
                for words, found in self._all.groups.items():  # (packed ones stay packed)
                    mine = [e for e in found if not scripts[records[e]] & bit]
                    if mine:
                        groups[words] = mine
                        for e in mine:
                            guessed.update(entry_guessed[e] or ())
            part = self._cross[native_query] = _Part(groups, guessed)
        return part

    def _collect(
        self,
        query: str,
        words: tuple[str, ...],
        spelt: tuple[str, ...] | None,
        part: _Part,
        guessed: frozenset[str] | None,
        threshold: float,
        best: _Best,
    ) -> None:
        """Score the names of ``part`` against the query into ``best``. ``spelt``: a Persian
        query's words romanised, unfolded; ``guessed``: in the second pass, the query's
        guessed words (guessed words then also meet words with the same consonants)."""
        from rapidfuzz import process
        from rapidfuzz.fuzz import ratio

        postings = part.index()
        keys = list(postings)
        ratios: _Ratios = {}
        reached: dict[tuple[str, ...], dict[str, float]] = {}  # name -> query key -> best similarity
        for key in _keys(words):
            row = ratios[key] = {}
            for found, r, _ in process.extract(
                key, keys, scorer=ratio, processor=None, score_cutoff=WORD_CUTOFF, limit=None
            ):
                s = _similarity(r)
                if s:
                    row[found] = s
            consonants = _consonants(key) if guessed is not None else ""
            if guessed is not None and consonants:
                for found in part.consonant_index(key in guessed).get(consonants, ()):
                    if row.get(found, 0.0) < GUESS_SIMILARITY:
                        row[found] = GUESS_SIMILARITY
            for found, s in row.items():
                for name_words in postings[found]:
                    got = reached.get(name_words)
                    if got is None:
                        reached[name_words] = {key: s}
                    elif got.get(key, 0.0) < s:
                        got[key] = s
        variants = [(q, _shares(q)) for q in _variants(words)]
        native_query = is_native_script(query)
        as_typed = query.casefold()
        spelling = _spelling(query)
        same_script: dict[tuple[str, ...], float] = {}
        for name_words, got in reached.items():
            # Upper bound of the score: each query word at its best against any of the
            # name's words and joins, the name -> query part at 100. Most names stop here.
            bound = max(sum(share * got.get(w, 0.0) for w, share in zip(q, shares, strict=True))
                        for q, shares in variants)
            if _QUERY_WEIGHT * bound + 100 * (1 - _QUERY_WEIGHT) < threshold:
                continue
            folded_score = _score(words, name_words, ratios)
            if folded_score < threshold:
                continue
            for e in part.groups[name_words]:
                r = self.entry_record[e]
                if self.ids[r] is None:
                    continue  # removed since the index was made
                s = folded_score
                words_spelt = self.entry_spelt[e] if spelt is not None else None
                romanised = tuple(words_spelt.split(" ")) if words_spelt is not None else None
                if spelt is not None and romanised is not None:
                    s = same_script.get(romanised, -1.0)
                    if s < 0:
                        s = same_script[romanised] = min(folded_score, score(spelt, romanised))
                    if s < threshold:
                        continue
                name = self.entry_name[e]
                # Ties (several spellings that fold alike) go to a name in the query's script,
                # then to the one closest to the query as spelt in Latin letters or as typed.
                typed = ratio(as_typed, name.casefold())
                spelt_alike = max(typed, ratio(spelling, _spelling(name)))
                mine = (s, (is_native_script(name) == native_query) * 100.0 + spelt_alike, typed, name)
                if mine[:3] > best.get(r, (-1.0, -1.0, -1.0, ""))[:3]:
                    best[r] = mine


_Folded = tuple[str, tuple[str, ...], frozenset[str], tuple[str, ...] | None]
"""A name as written, its folded words, those guessed by syllable rules, and (Persian
script) its words as romanised."""


def _spell_guesses(folded: list[_Folded]) -> dict[int, tuple[str, ...]]:
    """A person's Latin names tell how the guessed words of a Persian name are spelt.

    A word of the Persian name romanised by rules takes the spelling of a word
    (or two joined) of the person's Latin names with the same consonants:
    ``رستم موحد`` recorded with ``Movahed`` is also ``rustam muvahid``, not only
    the guessed ``rustam muhad``. Returns the Persian names so respelt, by position.
    """
    latin: dict[str, str] = {}
    for _, words, _, romanised in folded:
        if romanised is None:
            for key in _keys(words):
                latin.setdefault(_consonants(key), key)
    latin.pop("", None)
    out: dict[int, tuple[str, ...]] = {}
    if latin:
        for i, (_, words, guesses, _) in enumerate(folded):
            respelt = {w: latin[c] for w in guesses if (c := _consonants(w)) in latin}
            if respelt:
                out[i] = tuple(respelt.get(w, w) for w in words)
    return out


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


# --- lexicon data ------------------------------------------------------------------------
# One entry a line: the Persian spelling (alternatives joined by "/"), then the Latin
# spellings met in English-language sources, the usual one first (it is what `romanize`
# writes). Entries are common given names, surnames and name parts; they serve every
# person, fictional or real, and a word missing here is still romanised by `_guess`.

_SUFFIXES = """
زادگان zadegan
زاده zadeh
پور pour
نژاد nejad
نیا nia
فرد fard
فر far
راد rad
وند vand
لو lou
یان ian
ان an
یی ei
ای ei
ی i
کیا kia
منش manesh
دوست doust
پناه panah
نسب nasab
آبادی abadi
آباد abad
خانی khani
بیگی beigi
چی chi
مهر mehr
بخش bakhsh
الله ollah
الدین eddin
الاسلامی oleslami
الاسلام oleslam
السادات ossadat
الملوک olmolouk
ها ha
های haye
"""

_PREFIXES = """
عبدال abdol
ابوال abol
پور pour
میر mir
"""

_LEXICON = """
# given names
محمد Mohammad Mohamad Muhammad Mohammed Mohamed Muhammed Mohammd
علی Ali Aly
حسین Hossein Hosein Husain Hussein Hosseyn Husayn Hussain Hossain Hoseyn Hosain
حسن Hassan Hasan Hasen
رضا Reza Rida Riza
مهدی Mehdi Mahdi Mehdy Mahdy
احمد Ahmad Ahmed Ahmet
محمود Mahmoud Mahmud Mahmood
عباس Abbas Abas Abass
مصطفی Mostafa Mustafa Moustafa Mostapha
مرتضی/مرتضا Morteza Mortaza Murtaza Murteza Mortez
مجتبی Mojtaba Mujtaba Mojtabah
ابراهیم Ebrahim Ibrahim Ebraheem Ebrahem
اسماعیل/اسمعیل Esmaeil Esmail Ismail Esmaeel Ismael Esmael Esmaiel Ismaeil
جواد Javad Jawad
مجید Majid Majeed Madjid
ماجد Majed
حمید Hamid Hameed
حامد Hamed
وحید Vahid Wahid Vaheed
واحد Vahed
رشید Rashid Rasheed
راشد Rashed
سعید Saeed Said Saeid Saied Saiid
کاظم Kazem Kazim Kadhem Kadhim
جعفر Jafar Jaafar Djafar Jaffar Jafer
ناصر Naser Nasser Nasir
نصیر Nasir Naseer
اکبر Akbar Akber
اصغر Asghar Asgar Asqar
محسن Mohsen Mohsin Muhsin
کریم Karim Kareem
یوسف Yousef Yusuf Yousof Yosef Yusef Yousuf Yousif
داوود/داود Davoud Davood Dawood Davud Dawud Daoud
رحیم Rahim Raheem
رحمان/رحمن Rahman Rahmaan
قاسم Ghasem Qasem Qassem Ghassem Qasim Gasem
هادی Hadi Hady
مسعود Masoud Masood Massoud Masud
فرهاد Farhad
بهرام Bahram Behram
تقی Taghi Taqi Taghee
نقی Naghi Naqi
صادق Sadegh Sadeq Sadiq Sadeg
رسول Rasoul Rasool Rasul
علیرضا Alireza
محمدرضا Mohammadreza Mohamadreza
محمدعلی Mohammadali Mohamadali
محمدحسین Mohammadhossein Mohamadhosein
محمدجواد Mohammadjavad
محمدمهدی Mohammadmehdi
محمدباقر Mohammadbagher Mohammadbaqer
محمدتقی Mohammadtaghi
محمدصادق Mohammadsadegh
محمدحسن Mohammadhassan
محمداسماعیل Mohammadesmaeil
امیرحسین Amirhossein
امیرعلی Amirali
غلام Gholam Qolam Golam
غلامرضا Gholamreza Qolamreza
غلامحسین Gholamhossein Qolamhossein Gholamhosein
غلامعلی Gholamali Qolamali
عبدالله/عبداله Abdollah Abdullah Abdolah Abdallah
عبدالرضا Abdolreza Abdulreza Abdoreza
عبدالحسین Abdolhossein Abdolhosein Abdulhussein Abdolhosain
عبدالکریم Abdolkarim Abdulkarim
عبدالرحیم Abdolrahim Abdulrahim
عبدالعلی Abdolali Abdulali
عبدالمجید Abdolmajid Abdulmajid
عبدالحمید Abdolhamid Abdulhamid
عبدالرحمن/عبدالرحمان Abdolrahman Abdulrahman Abdorrahman
ابوالفضل Abolfazl Abolfazel Abulfazl Abolfasl
ابوالقاسم Abolghasem Abolqasem Abulqasem Abolghassem
ابوالحسن Abolhassan Abolhasan Abulhassan
روح‌الله Rouhollah Ruhollah Rohollah Rouhallah
نعمت‌الله Nematollah Nematolah Nimatullah
فتح‌الله Fathollah Fatollah
عزت‌الله Ezzatollah Ezatollah Izzatullah
حبیب‌الله Habibollah Habibullah
یدالله Yadollah Yadullah
ولی‌الله Valiollah Valiullah
اسدالله Asadollah Asadullah
سیف‌الله Seifollah Seyfollah Saifullah
نصرالله Nasrollah Nasrullah
لطف‌الله Lotfollah Lutfullah
ذبیح‌الله Zabihollah Zabihullah
حشمت‌الله Heshmatollah
قدرت‌الله Ghodratollah Qodratollah
رحمت‌الله Rahmatollah
هدایت‌الله Hedayatollah
عنایت‌الله Enayatollah
شکرالله Shokrollah
عطاالله Ataollah Ataullah
الله Allah
فضل‌الله Fazlollah Fazlullah
کرامت‌الله Keramatollah
علی‌اکبر Aliakbar
علی‌اصغر Aliasghar
علی‌محمد Alimohammad
حسینعلی Hosseinali Hoseinali
حسنعلی Hassanali Hasanali
امیر Amir Ameer
امید Omid Omeed
مهران Mehran
کامران Kamran
پیمان Peyman Payman
رامین Ramin
بیژن Bijan Bizhan Bijhan
بهمن Bahman
جمشید Jamshid Jamsheed
منوچهر Manouchehr Manuchehr Manoochehr
پرویز Parviz Parwiz
سیاوش Siavash Siyavash Siavosh
داریوش Dariush Daryoush Dariyoush Daryush
کامبیز Kambiz
هرمز Hormoz Hormuz Hormaz
فریدون Fereydoun Fereidoun Fereydun Freydoun
خسرو Khosrow Khosro Khosrou Khosrov
کوروش/کورش Kourosh Kurosh Koroush
بابک Babak
ایرج Iraj
نادر Nader Nadir
شهرام Shahram
شاهرخ Shahrokh
کیومرث Kiumars Kioumars Kiomars
سهراب Sohrab
رستم Rostam Rustam
مهرداد Mehrdad
فرامرز Faramarz
اردشیر Ardeshir Ardashir
هوشنگ Houshang Hushang Hooshang
منصور Mansour Mansur Mansoor
ولی Vali Wali
صمد Samad
یحیی Yahya
موسی Mousa Musa Moosa
عیسی Isa Eisa Issa
یعقوب Yaghoub Yaqub Yaghoob
سلیمان Soleiman Soleyman Suleiman Sulaiman
ایوب Ayoub Ayyub
یونس Younes Yunes Yunus
اسحاق Eshagh Eshaq Ishaq
صالح Saleh Salih
طاهر Taher Tahir
جلال Jalal
جمال Jamal
کمال Kamal
جلیل Jalil
خلیل Khalil
نبی Nabi
شهاب Shahab
بهزاد Behzad
فرزاد Farzad
نیما Nima
آرش Arash
سامان Saman
کیوان Keyvan Kayvan
بهنام Behnam
فرشید Farshid
شهریار Shahriar Shahryar
سروش Soroush Sorush
جهانگیر Jahangir
اسفندیار Esfandiar Esfandyar
بهروز Behrouz Behrooz Behruz
فیروز Firouz Firooz Firuz
منیر Monir
حبیب Habib
نجف Najaf
میرزا Mirza
آقا Agha Aqa
شمس Shams
شمس‌الدین Shamseddin Shamsedin Shamsoddin
نورالدین Noureddin Nooreddin Nuraddin
جلال‌الدین Jalaleddin Jalaladdin
کمال‌الدین Kamaleddin
صدرالدین Sadreddin
نظام‌الدین Nezameddin
سیف‌الدین Seifeddin
علاءالدین Alaeddin
ضیاءالدین Ziaeddin
مختار Mokhtar Mukhtar
فخر Fakhr
نور Nour Noor Nur
یاسر Yaser Yasser
عمار Ammar
حیدر Heidar Heydar Haidar
قربان Ghorban Qorban
رمضان Ramezan Ramazan Ramadan
شعبان Shaban Shaaban
رجب Rajab
حجت Hojjat Hojat Hodjat
نعمت Nemat
عزت Ezzat Ezat
قدرت Ghodrat Qodrat
رحمت Rahmat
عزیز Aziz
سیف Seif Seyf
فتح Fath
روح Rouh Ruh
ذبیح Zabih
اسد Asad
امین Amin Ameen
مهرداد Mehrdad
فاطمه Fatemeh Fateme Fatima Fatemah
زهرا Zahra
ثریا Soraya Sorayya Soraia
رویا Roya Roja
هما Homa Huma
راضیه Razieh Raziyeh Razie
مرضیه Marzieh Marziyeh Marzie
فریده Farideh Faride
فرزانه Farzaneh Farzane
منیره Monireh Monire
ناهید Nahid Naheed
مینا Mina
نازنین Nazanin
سارا Sara Sarah
سمیرا Samira
الهام Elham
شهناز Shahnaz
مریم Maryam Mariam
معصومه Masoumeh Masumeh Massoumeh
اعظم Azam
طاهره Tahereh Tahere
منیژه Manijeh Manizheh
ژاله Jaleh Zhaleh
اشرف Ashraf
شیرین Shirin
زینب Zeinab Zeynab Zainab
سکینه Sakineh
رقیه Roghayeh Roqayeh
خدیجه Khadijeh
مهین Mahin
پروین Parvin
فرشته Fereshteh
نسرین Nasrin
لیلا/لیلی Leila Leyla Layla
نرگس Narges
منصوره Mansoureh
طیبه Tayebeh
صدیقه Sedigheh
عفت Effat
عصمت Esmat
اکرم Akram
شهلا Shahla
مهناز Mahnaz
سیمین Simin
# honorifics, so that a romanised one is still set aside, and names made from them
سید Seyyed Seyed Sayyid
شیخ Sheikh Shaykh
حاج Haj Hajj
ملا Molla Mulla
دکتر Dr
آیت‌الله Ayatollah
حجت‌الاسلام Hojatoleslam Hojjatoleslam
والمسلمین Valmoslemin
العظمی Olozma
سیده Seyyedeh
# surnames, and the words they are made of
محمدی Mohammadi Mohamadi Muhammadi Mohammady
احمدی Ahmadi Ahmady Ahmedi
حسینی Hosseini Hoseini Husseini Hosseiny Husaini
رضایی Rezaei Rezaee Rezai Rezayi
موسوی Mousavi Musavi Moosavi Mousawi
جعفری Jafari Jaafari Jafary
کریمی Karimi Kareemi
رحیمی Rahimi Raheemi
هاشمی Hashemi Hashimi
قاسمی Ghasemi Qasemi Ghassemi
صادقی Sadeghi Sadeqi
حیدری Heidari Heydari Haidari
باقری Bagheri Baqeri
مرادی Moradi Muradi
ابراهیمی Ebrahimi Ibrahimi
اکبری Akbari
نظری Nazari
صفری Safari
نجفی Najafi Nadjafi
قربانی Ghorbani Qorbani
سلطانی Soltani Sultani
رستمی Rostami Rustami
صالحی Salehi Salihi
زمانی Zamani
کاظمی Kazemi Kazimi
یوسفی Yousefi Yusefi Yousofi
امیری Amiri
امینی Amini
عزیزی Azizi
رحمانی Rahmani
سبحانی Sobhani
فتحی Fathi
غلامی Gholami Qolami
شریفی Sharifi
جلالی Jalali Djalali
کمالی Kamali
جمالی Jamali
اسدی Asadi Assadi
ترابی Torabi Turabi
میرزایی Mirzaei Mirzaee Mirzai
بهرامی Bahrami Behrami
طاهری Taheri Tahiri
زارعی Zarei Zareie
انصاری Ansari
عسگری/عسکری Asgari Askari Asgary
طباطبایی Tabatabaei Tabatabai Tabatabaee
نوروزی Nowruzi Norouzi Nowrouzi Nourozi
نوروز Nowruz Norouz
داوودی/داودی Davoudi Davoodi Davudi
رشیدی Rashidi
خلیلی Khalili
نصیری Nasiri
ناصری Naseri Nasseri
فرجی Faraji
منصوری Mansouri Mansuri
مختاری Mokhtari Mukhtari
توکلی Tavakoli Tavakkoli
خسروی Khosravi
قنبری Ghanbari Qanbari
ملکی Maleki
شجاع Shoja
شجاعی Shojaei Shojaee Shojai
عطا Ata
عطایی Ataei Atai
دهقان Dehghan Dehqan
دهقانی Dehghani Dehqani
کشاورز Keshavarz
بیات Bayat
افشار Afshar
افشاری Afshari
آقایی Aghaei Aghaee Aghai
علوی Alavi
صدر Sadr
صدری Sadri
جهانگیری Jahangiri
بختیاری Bakhtiari Bakhtiyari
عباسی Abbasi
حکیمی Hakimi
سلیمی Salimi
نعمتی Nemati
لطفی Lotfi
حبیبی Habibi
حمیدی Hamidi
مجیدی Majidi
سعیدی Saeedi Saidi
جوادی Javadi
مهدوی Mahdavi
فاضلی Fazeli
عادلی Adeli
نادری Naderi
عبدی Abdi
اسلامی Eslami
ایزدی Izadi
سپهری Sepehri
بابا Baba
بابایی Babaei Babaee
فرهادی Farhadi
بهمنی Bahmani
صفا Safa
صفایی Safaei
رسولی Rasouli Rasuli
پناهی Panahi
شاکری Shakeri
ذاکری Zakeri
قریشی Ghoreishi Qoreishi
نقوی Naghavi
مقدم Moghaddam Moqadam Moghadam
یگانه Yeganeh
سالاری Salari
جمشیدی Jamshidi
روشن Roshan
پارسا Parsa
مهاجر Mohajer
مهاجری Mohajeri
مظاهری Mazaheri
مظفری Mozaffari Mozafari
فرخی Farrokhi Farokhi
فرهمند Farahmand
صبوری Sabouri
شفیعی Shafiei Shafiee
شریعتی Shariati
طالب Taleb
طالبی Talebi
قدیری Ghadiri Qadiri
رنجبر Ranjbar
کیانی Kiani
کیان Kian
درویش Darvish
درویشی Darvishi
قاضی Ghazi Qazi
گودرزی Goudarzi Godarzi
گل Gol
گلزار Golzar
نیک Nik
پاک Pak
خدا Khoda
یزدان Yazdan
ایران Iran
وطن Vatan
حقیقت Haghighat Haqiqat
ملک Malek
شاه Shah
میر Mir
حاجی Haji
غفار Ghaffar Ghafar
دولت Dowlat Dolat
# surnames from places
تهرانی Tehrani
شیرازی Shirazi
اصفهانی Esfahani Isfahani
تبریزی Tabrizi
کرمانی Kermani Kirmani
یزدی Yazdi
مشهدی Mashhadi
قمی Ghomi Qomi
کاشانی Kashani
همدانی Hamedani Hamadani
زنجانی Zanjani
قزوینی Ghazvini Qazvini
رشتی Rashti
خراسانی Khorasani
گیلانی Gilani
اردبیلی Ardebili Ardabili
لاهیجی Lahiji
بروجردی Boroujerdi
کرمانشاهی Kermanshahi
اهوازی Ahvazi
شوشتری Shoushtari Shushtari
دزفولی Dezfouli
سبزواری Sabzevari
نیشابوری Neyshabouri
خوانساری Khansari
گلپایگانی Golpayegani
نائینی Naeini Naini
اراکی Araki
سمنانی Semnani
آملی Amoli
مازندرانی Mazandarani
بهبهانی Behbahani
فراهانی Farahani
عراقی Araghi Eraghi
# names of officials in the seed records
خمینی Khomeini Khomeyni
خامنه‌ای Khamenei Khamenehei Khameni Khamenee
رئیسی Raisi Raeisi Raeesi
پورمحمدی Pourmohammadi
نیری Nayyeri Nayeri
آوایی Avaei Avaie Avaii Avai
حیدرزاده Heydarzadeh Heidarzadeh
آقازاده Aghazadeh Aqazadeh
خاتمی Khatami
فلاحیان Fallahian
منتظری Montazeri
اشراقی Eshraghi
# words of source titles
گزارش Gozaresh
شاهد Shahed
مردم Mardom
و Va
در Dar
از Az
به Be
با Ba
برای Baraye
که Ke
این In
آن An
یک Yek
را Ra
تا Ta
بر Bar
زندان Zendan
اعدام Edam
کشتار Koshtar
قتل Ghatl
عام Am
تابستان Tabestan
سال Sal
هیئت/هیات Heyat
مرگ Marg
کمیسیون Komision
دادستان Dadsetan
دادگاه Dadgah
انقلاب Enghelab
اسلام Eslam
جمهوری Jomhouri
اوین Evin
گوهردشت Gohardasht
خاوران Khavaran
خبر Khabar
خبرگزاری Khabargozari
روزنامه Rouznameh
گفتگو/گفت‌وگو Goftogou
مصاحبه Mosahebeh
خاطرات Khaterat
خاطره Khatereh
نامه Nameh
بیانیه Bayanieh
سند Sanad
اسناد Asnad
حقوق Hoghough
بشر Bashar
عدالت Edalat
دادخواهی Dadkhahi
خانواده Khanevadeh
جنایت Jenayat
علیه Alayhe
فاجعه Fajeeh
سیاسی Siasi
قضایی Ghazaei
رئیس Rais
معاون Moaven
وزیر Vazir
وزارت Vezarat
اطلاعات Ettelaat
سپاه Sepah
پاسداران Pasdaran
مجلس Majles
رهبر Rahbar
امام Emam
فتوا Fatva
حکم Hokm
روایت Revayat
تاریخ Tarikh
پرونده Parvandeh
ویژه Vizheh
ناگفته Nagofteh
یاد Yad
مادر Madar
پدر Pedar
فرزند Farzand
زن Zan
مرد Mard
جوان Javan
شب Shab
روز Rouz
ماه Mah
مرداد Mordad
شهریور Shahrivar
تهران Tehran
کشور Keshvar
سازمان Sazman
شصت Shast
هفت Haft
راز Raz
بازداشت Bazdasht
شکنجه Shekanjeh
گور Gour
جمعی Jamei
"""
