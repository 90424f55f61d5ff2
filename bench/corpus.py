"""Seeded generator of a fictional persons corpus in dossier's interchange format.

    python bench/corpus.py --count 10000 --seed 1 -o corpus.ndjson

Every person is invented: given names and surnames are drawn independently from
lists of common Persian names, so a record never describes a real official, and
each narrative says that it is synthetic. Surnames of officials named in the
seed documents are deliberately absent from the lists.

The output is deterministic for a seed (same bytes on every run and machine):
one `random.Random(seed)` drives every choice, lists are walked in a fixed
order and JSON is written with fixed separators.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

# (canonical Latin spelling, other spellings, Persian script)
GIVEN_NAMES: list[tuple[str, tuple[str, ...], str]] = [
    ("Hossein", ("Hosein", "Husain", "Hosseyn"), "حسین"),
    ("Mohammad", ("Mohamad", "Muhammad", "Mohammed"), "محمد"),
    ("Ali", ("Aly", "Alee"), "علی"),
    ("Reza", ("Resa", "Rida"), "رضا"),
    ("Hassan", ("Hasan", "Hasen"), "حسن"),
    ("Mahmoud", ("Mahmud", "Mahmood"), "محمود"),
    ("Ahmad", ("Ahmed", "Ahmet"), "احمد"),
    ("Abbas", ("Abas", "Abbass"), "عباس"),
    ("Mehdi", ("Mahdi", "Mehdy"), "مهدی"),
    ("Morteza", ("Mortaza", "Murtaza"), "مرتضی"),
    ("Mostafa", ("Mustafa", "Moustafa"), "مصطفی"),
    ("Ebrahim", ("Ibrahim", "Ebraheem"), "ابراهیم"),
    ("Esmail", ("Ismail", "Esmaeil", "Esmaeel"), "اسماعیل"),
    ("Gholamreza", ("Gholam-Reza", "Qolamreza", "Gholam Reza"), "غلامرضا"),
    ("Abdollah", ("Abdullah", "Abdolah"), "عبدالله"),
    ("Hamid", ("Hameed", "Hamed"), "حمید"),
    ("Javad", ("Jawad", "Jevad"), "جواد"),
    ("Majid", ("Majeed", "Madjid"), "مجید"),
    ("Saeed", ("Said", "Saied", "Saeid"), "سعید"),
    ("Kazem", ("Kazim", "Kadhem"), "کاظم"),
    ("Jafar", ("Jaafar", "Djafar"), "جعفر"),
    ("Nasser", ("Naser", "Nasir"), "ناصر"),
    ("Akbar", ("Akber", "Akbarr"), "اکبر"),
    ("Asghar", ("Asgar", "Asqar"), "اصغر"),
    ("Mojtaba", ("Mujtaba", "Mojtabah"), "مجتبی"),
    ("Mohsen", ("Muhsin", "Mohsin"), "محسن"),
    ("Karim", ("Kareem", "Karem"), "کریم"),
    ("Yousef", ("Yusuf", "Yousof", "Yosef"), "یوسف"),
    ("Davoud", ("Davood", "Dawood", "Davud"), "داوود"),
    ("Rahim", ("Raheem", "Rahem"), "رحیم"),
    ("Ghasem", ("Qasem", "Qassem", "Ghassem"), "قاسم"),
    ("Hadi", ("Hady", "Haadi"), "هادی"),
    ("Masoud", ("Masood", "Masud", "Massoud"), "مسعود"),
    ("Farhad", ("Farhaad", "Ferhad"), "فرهاد"),
    ("Bahram", ("Bahraam", "Behram"), "بهرام"),
    ("Taghi", ("Taqi", "Taghee"), "تقی"),
    ("Sadegh", ("Sadeq", "Sadiq"), "صادق"),
    ("Alireza", ("Ali-Reza", "Ali Reza", "Alirida"), "علیرضا"),
    ("Mohammadreza", ("Mohammad-Reza", "Mohamadreza"), "محمدرضا"),
    ("Hojjat", ("Hojat", "Hodjat"), "حجت"),
    ("Rasoul", ("Rasul", "Rasool"), "رسول"),
    ("Naghi", ("Naqi", "Naghee"), "نقی"),
]

# Persian compounds keep the zero-width non-joiner (U+200C) that their
# spelling needs: the tool must store it untouched.
SURNAMES: list[tuple[str, tuple[str, ...], str]] = [
    ("Mohammadi", ("Mohamadi", "Muhammadi", "Mohammady"), "محمدی"),
    ("Ahmadi", ("Ahmady", "Ahmedi"), "احمدی"),
    ("Hosseini", ("Hoseini", "Husaini", "Hosseiny"), "حسینی"),
    ("Rezaei", ("Rezaee", "Rezai", "Rezayi"), "رضایی"),
    ("Karimi", ("Kareemi", "Karimy"), "کریمی"),
    ("Jafari", ("Jafary", "Jaafari"), "جعفری"),
    ("Rahimi", ("Raheemi", "Rahimy"), "رحیمی"),
    ("Hashemi", ("Hashimi", "Hashemy"), "هاشمی"),
    ("Sadeghi", ("Sadeqi", "Sadighi"), "صادقی"),
    ("Ghasemi", ("Qasemi", "Ghassemi"), "قاسمی"),
    ("Heidari", ("Haidari", "Heydari"), "حیدری"),
    ("Bagheri", ("Baqeri", "Bagheri-Nia"), "باقری"),
    ("Moradi", ("Muradi", "Moradee"), "مرادی"),
    ("Ebrahimi", ("Ibrahimi", "Ebrahimy"), "ابراهیمی"),
    ("Akbari", ("Akbary", "Akbaree"), "اکبری"),
    ("Nazari", ("Nazary", "Nadhari"), "نظری"),
    ("Safari", ("Safary", "Saffari"), "صفری"),
    ("Najafi", ("Nadjafi", "Najafy"), "نجفی"),
    ("Ghorbani", ("Qorbani", "Ghorbany"), "قربانی"),
    ("Soltani", ("Soltany", "Sultani"), "سلطانی"),
    ("Rostami", ("Rustami", "Rostamy"), "رستمی"),
    ("Salehi", ("Salihi", "Salehy"), "صالحی"),
    ("Zamani", ("Zamany", "Zamanee"), "زمانی"),
    ("Farahani", ("Farahany", "Farahanee"), "فراهانی"),
    ("Shirazi", ("Shirazy", "Shirazee"), "شیرازی"),
    ("Esfahani", ("Isfahani", "Esfahany"), "اصفهانی"),
    ("Abbaszadeh", ("Abbas-Zadeh", "Abaszadeh", "Abbaszade"), "عباس\u200cزاده"),
    ("Hosseinzadeh", ("Hoseinzadeh", "Hossein-Zadeh", "Husainzade"), "حسین\u200cزاده"),
    ("Alizadeh", ("Ali-Zadeh", "Alizade"), "علی\u200cزاده"),
    ("Hassanpour", ("Hasanpour", "Hassanpur", "Hassan-Pour"), "حسن\u200cپور"),
    ("Malekzadeh", ("Malek-Zadeh", "Malekzade"), "ملک\u200cزاده"),
    ("Gholami", ("Qolami", "Gholamy"), "غلامی"),
    ("Shahbazi", ("Shahbazy", "Shahbazee"), "شهبازی"),
    ("Yazdani", ("Yazdany", "Yazdanee"), "یزدانی"),
    ("Kermani", ("Kirmani", "Kermany"), "کرمانی"),
    ("Sharifi", ("Shareefi", "Sharifee"), "شریفی"),
    ("Amini", ("Ameeni", "Aminy"), "امینی"),
    ("Jalali", ("Jalaly", "Djalali"), "جلالی"),
    ("Kamali", ("Kamaly", "Kamalee"), "کمالی"),
    ("Asadi", ("Asady", "Assadi"), "اسدی"),
    ("Torabi", ("Turabi", "Torabee"), "ترابی"),
    ("Mirzaei", ("Mirzaee", "Mirzai"), "میرزایی"),
    ("Bahrami", ("Bahramy", "Behrami"), "بهرامی"),
    ("Taheri", ("Tahiri", "Tahery"), "طاهری"),
    ("Zarei", ("Zareei", "Zarei-Nejad"), "زارعی"),
    ("Ansari", ("Ansary", "Ansaree"), "انصاری"),
]

PLACES: list[str] = [
    "Tehran",
    "Tabriz",
    "Mashhad",
    "Isfahan",
    "Shiraz",
    "Ahvaz",
    "Kermanshah",
    "Rasht",
    "Urmia",
    "Hamedan",
    "Qazvin",
    "Zanjan",
    "Dezful",
    "Semnan",
    "Arak",
    "Sari",
    "Gorgan",
    "Khorramabad",
    "Yazd",
    "Kerman",
    "Ilam",
    "Sanandaj",
]

# Generic offices with the city filled in: no real institution's staff list.
# Generic offices, no real institution's staff list; the town goes in `place`.
ROLES_1988: list[tuple[str, str, str]] = [
    ("Prosecutor", "Revolutionary Prosecutor's Office", "prosecutor"),
    ("Deputy Prosecutor", "Revolutionary Prosecutor's Office", "prosecutor"),
    ("Religious judge", "Islamic Revolutionary Court", "judiciary"),
    (
        "Intelligence Ministry representative",
        "Ministry of Intelligence, provincial bureau",
        "intelligence",
    ),
    ("Prison warden", "Central Prison", "prison-official"),
    ("Head of prison security", "Central Prison", "prison-official"),
    ("Interrogator", "Ministry of Intelligence, provincial bureau", "intelligence"),
    ("Member, provincial death committee", "Provincial committee", "death-commission"),
]

CAREER_TITLES: list[tuple[str, str]] = [
    ("Investigating judge", "Revolutionary Court"),
    ("Assistant prosecutor", "Public Prosecutor's Office"),
    ("Head of the provincial judiciary", "Judiciary"),
    ("Inspector", "General Inspection Organization"),
    ("Director", "Provincial Prisons Organization"),
    ("Deputy director", "Ministry of Intelligence, provincial bureau"),
    ("Member of the board", "Administrative Justice Court"),
    ("Adviser", "Ministry of Justice"),
]

CURRENT_TITLES: list[tuple[str, str]] = [
    ("Head of the logistics section", "Administrative Justice Court"),
    ("Judge", "Supreme Court, branch {n}"),
    ("Adviser to the head", "Provincial judiciary"),
    ("Member of the board of trustees", "Charitable foundation"),
    ("Director general", "Provincial inspection office"),
    ("Retired official", "Judiciary pension fund"),
    ("Lecturer", "Seminary school"),
]

PUBLISHERS: list[str] = [
    "Example Human Rights Monitor",
    "Example Justice Project",
    "Example Documentation Center",
    "Example Daily",
    "Example News Agency",
]

TAGS: list[str] = [
    "death-commission",
    "judiciary",
    "intelligence",
    "prison-official",
    "prosecutor",
    "cleric",
    "provincial",
]

RELATIONS: list[str] = [
    "fellow member, {place} death committee",
    "deputy",
    "superior",
    "colleague at {org}",
]

CONFIDENCE: list[str] = ["high", "medium", "medium", "low"]

SHARED_REPORTS = 200  # many persons cite the same report, as real dossiers do


def slugify(text: str) -> str:
    """ASCII slug as dossier derives ids: lower case, runs of other chars -> '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def partial_date(rng: random.Random, lo: int, hi: int, *, month_prob: float = 0.5) -> str:
    year = rng.randint(lo, hi)
    if rng.random() < month_prob:
        return f"{year}-{rng.randint(1, 12):02d}"
    return str(year)


@functools.cache
def shared_report(n: int) -> dict[str, Any]:
    """Report number n: its content depends on n only, so every person citing
    key report-NNN carries an identical copy (a clash would be a conflict)."""
    rng = random.Random(f"report-{n}")
    place = rng.choice(PLACES)
    year = rng.randint(1990, 2023)
    publisher = rng.choice(PUBLISHERS)
    key = f"report-{n:03d}"
    return {
        "key": key,
        "title": f"Fictional report no. {n}: the summer of 1988 in {place} prisons",
        "publisher": publisher,
        "url": f"https://example.org/{key}",
        "published": f"{year}-{rng.randint(1, 12):02d}",
        "kind": "report",
    }


def aliases_for(
    rng: random.Random,
    given: tuple[str, tuple[str, ...], str],
    surname: tuple[str, tuple[str, ...], str],
    name: str,
) -> list[str]:
    """2-3 distinct spelling variants of the name, never the name itself."""
    given_forms = [given[0], *given[1]]
    surname_forms = [surname[0], *surname[1]]
    combos = [f"{g} {s}" for g in given_forms for s in surname_forms]
    combos = [c for c in combos if c != name]
    return rng.sample(combos, k=min(len(combos), rng.randint(2, 3)))


def narrative_for(rng: random.Random, name: str, role: str, place: str, current: str) -> str:
    surname = name.split()[-1]
    sentences = [
        f"{name} is a fictional person created for benchmarking the dossier tool.",
        f"In the summer of 1988 {surname} is recorded as {role.lower()} in {place},"
        " according to the invented sources cited below.",
        f"Accounts attributed to former prisoners in {place} describe hearings that"
        f" lasted a few minutes and at which {surname} was said to be present.",
        f"After 1988 the career of {surname} continued in provincial administration,"
        " with postings that the sources date only approximately.",
        f"The most recent information places {surname} as {current.lower()};"
        " this has not been confirmed independently.",
        "Family members of victims have asked for the records of the period to be"
        " opened and for an independent inquiry.",
        "No statement by the person is on record in the sources collected so far.",
        "Some dates in this record are approximate.",
    ]
    # Keep the first sentence (it says the record is synthetic) and pick others.
    body = [sentences[0], *rng.sample(sentences[1:], k=5)]
    return " ".join(body)


def make_post(
    rng: random.Random, title: str, org: str, place: str, sources: list[str], **dates: str
) -> dict[str, Any]:
    post: dict[str, Any] = {"title": title, "organization": org, "place": place}
    post.update(dates)
    post["sources"] = sources
    post["confidence"] = rng.choice(CONFIDENCE)
    return post


def make_person(
    rng: random.Random,
    pid: str,
    given: tuple[str, tuple[str, ...], str],
    surname: tuple[str, tuple[str, ...], str],
    earlier: dict[str, list[str]],
) -> dict[str, Any]:
    """One person. `earlier` maps a place to the ids of persons already
    generated whose 1988 role was there: associates only link backwards (so
    they always resolve) and to people of the same town (so they make sense)."""
    name = f"{given[0]} {surname[0]}"
    place = rng.choice(PLACES)
    role_title, role_org, role_tag = rng.choice(ROLES_1988)

    article_publisher = rng.choice(PUBLISHERS)
    article_key = f"{pid}-profile"
    report = shared_report(rng.randrange(SHARED_REPORTS))
    sources = [
        {
            "key": article_key,
            "title": f"Who is {name}? A fictional profile",
            "publisher": article_publisher,
            "url": f"https://example.org/{article_key}",
            "published": partial_date(rng, 2012, 2024, month_prob=0.8),
            "kind": "article",
        },
        dict(report),  # a copy: callers may mutate one person's sources
    ]
    keys = [article_key, report["key"]]

    status = rng.choices(["alive", "unknown", "deceased"], weights=[6, 3, 1])[0]
    career_before = rng.choice(CAREER_TITLES)
    career_after = rng.choice(CAREER_TITLES)
    current_title, current_org = rng.choice(CURRENT_TITLES)
    after_start = rng.randint(1989, 2004)
    after_end = rng.randint(after_start + 2, 2016)
    as_of_year = rng.randint(2018, 2024)
    person: dict[str, Any] = {
        "id": pid,
        "name": name,
        "native_name": nfc(f"{given[2]} {surname[2]}"),
        "aliases": aliases_for(rng, given, surname, name),
        "status": status,
        "born": partial_date(rng, 1930, 1960),
    }
    if status == "deceased":
        person["died"] = str(rng.randint(as_of_year, 2025))
    person["role_1988"] = make_post(rng, role_title, role_org, place, [report["key"]], start="1988-07")
    current_place = rng.choice(PLACES)
    person["current_post"] = make_post(
        rng,
        current_title,
        current_org.format(n=rng.randint(1, 40)),
        current_place,
        [article_key],
        as_of=f"{as_of_year}-{rng.randint(1, 12):02d}",
    )
    person["posts"] = [
        make_post(
            rng,
            career_before[0],
            career_before[1],
            place,
            [rng.choice(keys)],
            start=str(rng.randint(1979, 1984)),
            end=str(rng.randint(1985, 1987)),
        ),
        make_post(
            rng,
            career_after[0],
            career_after[1],
            rng.choice(PLACES),
            [rng.choice(keys)],
            start=str(after_start),
            end=str(after_end),
        ),
    ]
    person["associates"] = associates_for(rng, earlier.get(place, []), place, role_org, keys)
    person["narrative"] = narrative_for(rng, name, role_title, place, current_title)
    tags = {role_tag, *rng.sample(TAGS, k=rng.randint(0, 2))}
    person["tags"] = [t for t in TAGS if t in tags]  # fixed order, not set order
    person["sources"] = sources
    person["restricted"] = False
    person["merged_ids"] = []
    return person


def associates_for(
    rng: random.Random, same_place: list[str], place: str, org: str, keys: list[str]
) -> list[dict[str, Any]]:
    if not same_place or rng.random() < 0.5:
        return []
    # Recent ids only: a bounded window keeps the cost per person constant.
    window = same_place[-200:]
    picks = rng.sample(window, k=min(len(window), rng.randint(1, 2)))
    return [
        {
            "id": other_id,
            "relation": rng.choice(RELATIONS).format(place=place, org=org),
            "sources": [rng.choice(keys)],
        }
        for other_id in sorted(picks)
    ]


def generate(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    used: dict[str, int] = {}
    earlier: dict[str, list[str]] = {}
    persons: list[dict[str, Any]] = []
    for _ in range(count):
        given = rng.choice(GIVEN_NAMES)
        surname = rng.choice(SURNAMES)
        base = slugify(f"{given[0]} {surname[0]}")
        used[base] = used.get(base, 0) + 1
        pid = base if used[base] == 1 else f"{base}-{used[base]}"
        person = make_person(rng, pid, given, surname, earlier)
        persons.append(person)
        earlier.setdefault(person["role_1988"]["place"], []).append(pid)
    return persons


SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def verify(persons: list[dict[str, Any]]) -> list[str]:
    """Invariants the tool relies on; returns the problems found (none expected).
    Ids unique and slugs, post and associate source keys resolve within the
    person, associates resolve to earlier ids, shared source keys agree."""
    problems: list[str] = []
    seen: set[str] = set()
    source_by_key: dict[str, dict[str, Any]] = {}
    for p in persons:
        pid = p["id"]
        if pid in seen or not SLUG.fullmatch(pid) or len(pid) > 80:
            problems.append(f"{pid}: id duplicate or not a slug")
        own = {s["key"] for s in p["sources"]}
        posts = [p["role_1988"], p["current_post"], *p["posts"]]
        for claim in posts + p["associates"]:
            problems += [f"{pid}: unknown source {k}" for k in claim["sources"] if k not in own]
        problems += [f"{pid}: associate {a['id']} unknown" for a in p["associates"] if a["id"] not in seen]
        for s in p["sources"]:
            if source_by_key.setdefault(s["key"], s) != s:
                problems.append(f"{pid}: source {s['key']} differs from an earlier copy")
        if p["name"] in p["aliases"] or not 2 <= len(set(p["aliases"])) == len(p["aliases"]) <= 3:
            problems.append(f"{pid}: aliases {p['aliases']}")
        seen.add(pid)
    return problems


def dumps(person: dict[str, Any]) -> str:
    # Fixed separators and key order (insertion order) make the bytes stable;
    # ensure_ascii=False keeps Persian readable, as the tool stores it.
    return json.dumps(person, ensure_ascii=False, separators=(",", ":"))


def write_ndjson(persons: list[dict[str, Any]], path: Path | None) -> int:
    data = "".join(dumps(p) + "\n" for p in persons).encode("utf-8")
    if path is None:
        sys.stdout.buffer.write(data)
    else:
        path.write_bytes(data)
    return len(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, help="NDJSON file (default: stdout)")
    parser.add_argument(
        "--verify", action="store_true", help="check the corpus invariants and exit 1 on a problem"
    )
    args = parser.parse_args(argv)
    persons = generate(args.count, args.seed)
    if args.verify:
        problems = verify(persons)
        for problem in problems[:20]:
            print(problem, file=sys.stderr)
        if problems:
            return 1
    size = write_ndjson(persons, args.output)
    if args.output is not None:
        print(f"{args.count} persons, {size} bytes -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
