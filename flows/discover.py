"""Finding the documents under a source: a local folder or file, or any fsspec URL.

Discovery is deliberately permissive: every regular, non-hidden file that is not
JSON goes to the parser, supported suffix or not, because an unsupported carrier
is something the office must hear about (the parser turns it into a
``file.unsupported_format`` finding) rather than a file that silently vanishes.
JSON files are skipped since the samples keep their golden ``*.expected.json``
beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import fsspec
from fsspec.core import url_to_fs

SKIPPED_SUFFIXES = frozenset({".json"})


@dataclass(frozen=True)
class SourceFile:
    """One document to ingest.

    ``path`` is what the warehouse records (``known_files`` is keyed by it): an
    absolute local path, or a full URL with its protocol for remote sources.
    ``name`` is the path relative to the source root, what the parser and the
    findings call the document.
    """

    path: str
    name: str


def _is_local(fs: fsspec.AbstractFileSystem) -> bool:
    protocols = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    return "file" in protocols or "local" in protocols


def _full_path(fs: fsspec.AbstractFileSystem, path: str) -> str:
    return path if _is_local(fs) else fs.unstrip_protocol(path)


def _wanted(relative: PurePosixPath) -> bool:
    if any(part.startswith(".") for part in relative.parts):
        return False
    return relative.suffix.lower() not in SKIPPED_SUFFIXES


def source_exists(source: str) -> bool:
    """Whether ``source`` names an existing file or folder (checked before starting a run)."""
    fs, root = url_to_fs(source)
    return fs.exists(root)


def discover_files(source: str) -> list[SourceFile]:
    """Every document under ``source``, sorted by path so runs are repeatable.

    Raises ``FileNotFoundError`` when the source itself does not exist: with no
    documents to look at the run cannot do anything useful.
    """
    fs, root = url_to_fs(source)  # local paths come back absolute
    if not fs.exists(root):
        raise FileNotFoundError(f"source not found: {source}")
    if fs.isfile(root):
        name = PurePosixPath(root).name
        return [SourceFile(_full_path(fs, root), name)]
    found: list[SourceFile] = []
    root_path = PurePosixPath(root.rstrip("/") or "/")
    for path in sorted(fs.find(root, withdirs=False)):
        relative = PurePosixPath(path).relative_to(root_path)
        if _wanted(relative):
            found.append(SourceFile(_full_path(fs, path), relative.as_posix()))
    return found


def read_bytes(path: str) -> bytes:
    """The raw bytes of one discovered document (local path or URL)."""
    with fsspec.open(path, "rb") as fh:
        return fh.read()
