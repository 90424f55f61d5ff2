from __future__ import annotations

from dossier.cli import main

main()
