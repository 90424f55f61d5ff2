"""dossier: personnel dossiers for human-rights accountability work."""
from __future__ import annotations

__version__ = "0.1.0"
