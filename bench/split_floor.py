"""The floor of `export --split`: one YAML file per person, PyYAML's C dumper, nothing else.

    python bench/split_floor.py corpus.ndjson OUTDIR

Each NDJSON line becomes OUTDIR/<id>.yaml, written with ``yaml.dump`` and the
C dumper (``CSafeDumper``), UTF-8 kept, block style: the plainest per-person
YAML writer a user would script instead of dossier.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml


def main(corpus: str, outdir: str) -> int:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with open(corpus, encoding="utf-8") as lines:
        for line in lines:
            person = json.loads(line)
            text = yaml.dump(person, Dumper=dumper, allow_unicode=True, sort_keys=False,
                             default_flow_style=False)
            (out / f"{person['id']}.yaml").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
