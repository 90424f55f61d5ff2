"""The cost of folding 30,000 names, as one `dossier search` pays it (cold caches).

    python bench/names_fold_cost.py [--corpus corpus.ndjson] [--repeat 5]

Two name sets: the names of the first persons of a corpus (``bench/corpus.py``:
names repeat, as in a real database) and 30,000 distinct names (every given
name with every surname of the gallery lists, in both scripts and several
spellings: the worst case for the caches). Each is folded with every cache of
``dossier.names`` emptied first, best of ``--repeat`` runs, and then the
``NameIndex`` of the corpus persons is built the same way.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

try:
    from bench import names_gallery_data as data
except ImportError:  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import names_gallery_data as data

from dossier import names

COUNT = 30_000


def clear_caches() -> None:
    for value in vars(names).values():
        clear = getattr(value, "cache_clear", None)
        if callable(clear):
            clear()


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        clear_caches()
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def distinct_names() -> list[str]:
    out: list[str] = []
    given = data.GIVEN + data.ABSENT_GIVEN
    surnames = data.SURNAMES + data.ABSENT_SURNAMES
    for (gp, gl), (sp, sl) in itertools.product(given, surnames):
        out.append(f"{gp} {sp}")
        out += [f"{g} {s}" for g, s in zip(gl, sl, strict=False)]
    return list(dict.fromkeys(out))[:COUNT]


def corpus_records(path: Path, count: int) -> list[dict[str, Any]]:
    records = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            records.append(json.loads(line))
            if len(records) == count:
                break
    return records


def fold_all(texts: Sequence[str]) -> Callable[[], object]:
    return lambda: [names.fold_words(t) for t in texts]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="bench/corpus.py output (default: 10,000, seed 1)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if args.corpus is None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import corpus

        out = Path("/tmp/names_fold_cost_corpus.ndjson")
        if not out.exists():
            corpus.main(["--count", "10000", "--seed", "1", "-o", str(out)])
        args.corpus = out
    records = corpus_records(args.corpus, 10_000)
    corpus_names = [n for r in records for n in names.record_names(r)][:COUNT]
    distinct = distinct_names()
    persian = sum(names.is_native_script(n) for n in distinct)
    rows = [
        (f"corpus names ({len(corpus_names)}, {len(set(corpus_names))} distinct)", fold_all(corpus_names)),
        (f"distinct names ({len(distinct)}, {persian} in Persian script)", fold_all(distinct)),
        (f"NameIndex of {len(records)} corpus persons", lambda: names.NameIndex(records)),
    ]
    for label, fn in rows:
        print(f"{label}: {best_of(args.repeat, fn) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
