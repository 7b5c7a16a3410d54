"""The fingerprint of the code that derives the warehouse's views and dimension tables.

Views and dimensions are a pure function of gongkai's code (the layout spec in
``transforms``, the view builders in ``warehouse``) and the database dialect. Compiling
and recreating them costs ~0.5 s on every open, which a command that loads nothing
(an ingest with nothing new) pays in full. Hashing the source of the two packages
costs a few milliseconds and changes with any edit that could change a view, so an
open recreates them exactly when the code that makes them is not the code that made
them. Over-eager (a comment edit recreates the views) but never stale.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def code_fingerprint(dialect: str) -> str:
    """sha256 over the dialect, the schema version and every ``.py`` file of ``transforms`` and ``warehouse``."""
    import transforms
    import warehouse
    from warehouse.schema import SCHEMA_VERSION

    digest = hashlib.sha256(f"{dialect}\0{SCHEMA_VERSION}\0".encode())
    for package in (transforms, warehouse):
        root = Path(package.__file__).resolve().parent
        for path in sorted(root.rglob("*.py")):
            digest.update(path.relative_to(root.parent).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()
