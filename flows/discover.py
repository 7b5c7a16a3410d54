"""Finding the documents under a source: a local folder or file, or any fsspec URL.

Discovery is deliberately permissive: every regular, non-hidden file that is not
JSON goes to the parser, supported suffix or not, because an unsupported carrier
is something the office must hear about (the parser turns it into a
``file.unsupported_format`` finding) rather than a file that silently vanishes.
JSON files are skipped since the samples keep their golden ``*.expected.json``
beside them.

Only regular files are ever opened. On a local source every path is classified
with ``stat`` before anything reads it: a FIFO, socket or device (opening a FIFO
blocks forever), a symlink loop and a link to nothing stay in the run as documents
that carry a ``problem`` — they become a ``file.not_regular`` / ``file.unreadable``
finding on a report of their own and are never opened or retried. What discovery
leaves out on purpose (hidden names, JSON, links to folders, which are not
followed) is counted by reason in ``Discovery.skipped`` for the run summary, so no
file vanishes without a trace.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
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
    # Why the file must not be opened (not a regular file, a symlink loop…), and the finding it becomes.
    problem: str | None = None
    problem_code: str | None = None


@dataclass
class Discovery:
    """What discovery found: the documents to ingest, and what it left out on purpose, by reason."""

    files: list[SourceFile]
    skipped: dict[str, list[str]] = field(default_factory=dict)  # reason -> names relative to the source

    def skip(self, reason: str, name: str) -> None:
        self.skipped.setdefault(reason, []).append(name)


class NotRegularFile(OSError):
    """The path is a FIFO, socket, device or folder: reading it would block or mean nothing. Terminal."""


# Reasons discovery leaves a name out (the run summary prints them with their counts).
SKIP_HIDDEN = "hidden (name starts with '.')"
SKIP_JSON = "JSON (golden files, not reports)"
SKIP_LINKED_FOLDER = "link to a folder (not followed)"

_KINDS = ((stat.S_ISFIFO, "命名管道（FIFO）"), (stat.S_ISSOCK, "套接字"), (stat.S_ISCHR, "字符设备"),
          (stat.S_ISBLK, "块设备"))


def classify_local(path: str) -> tuple[str | None, str | None, bool]:
    """``(problem, finding code, is_folder)`` of a local path, following symlinks, never opening it."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "符号链接形成循环（ELOOP），无法读取", "file.not_regular", False
        if exc.errno == errno.ENOENT:
            target = os.readlink(path) if os.path.islink(path) else None
            if target is not None:
                return f"符号链接指向不存在的文件“{target}”", "file.unreadable", False
        return f"{type(exc).__name__}: {exc}", "file.unreadable", False
    if stat.S_ISREG(st.st_mode):
        return None, None, False
    if stat.S_ISDIR(st.st_mode):
        return None, None, True
    kind = next((label for test, label in _KINDS if test(st.st_mode)), "特殊文件")
    return f"不是普通文件而是{kind}，未打开", "file.not_regular", False


def _is_local(fs: fsspec.AbstractFileSystem) -> bool:
    protocols = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    return "file" in protocols or "local" in protocols


def _full_path(fs: fsspec.AbstractFileSystem, path: str) -> str:
    return path if _is_local(fs) else fs.unstrip_protocol(path)


def _skip_reason(relative: PurePosixPath) -> str | None:
    if any(part.startswith(".") for part in relative.parts):
        return SKIP_HIDDEN
    if relative.suffix.lower() in SKIPPED_SUFFIXES:
        return SKIP_JSON
    return None


def source_exists(source: str) -> bool:
    """Whether ``source`` names an existing file or folder (checked before starting a run)."""
    fs, root = url_to_fs(source)
    return fs.exists(root)


def discover_files(source: str) -> list[SourceFile]:
    """Every document under ``source``, sorted by path so runs are repeatable (see ``discover``)."""
    return discover(source).files


def discover(source: str) -> Discovery:
    """Every document under ``source`` (sorted by path), and what was left out on purpose.

    Raises ``FileNotFoundError`` when the source itself does not exist: with no
    documents to look at the run cannot do anything useful.
    """
    fs, root = url_to_fs(source)  # local paths come back absolute
    local = _is_local(fs)
    if not (fs.exists(root) or (local and os.path.lexists(root))):
        raise FileNotFoundError(f"source not found: {source}")
    found = Discovery([])
    if not fs.isdir(root):
        found.files.append(_source_file(fs, root, PurePosixPath(root).name, local, found))
        return found
    root_path = PurePosixPath(root.rstrip("/") or "/")
    for path in sorted(fs.find(root, withdirs=False)):
        relative = PurePosixPath(path).relative_to(root_path)
        reason = _skip_reason(relative)
        if reason is not None:
            found.skip(reason, relative.as_posix())
            continue
        file = _source_file(fs, path, relative.as_posix(), local, found)
        if file is not None:
            found.files.append(file)
    return found


def _source_file(fs: fsspec.AbstractFileSystem, path: str, name: str, local: bool,
                 found: Discovery) -> SourceFile | None:
    if not local:
        return SourceFile(_full_path(fs, path), name)
    problem, code, is_folder = classify_local(path)
    if is_folder:  # fsspec lists a symlink to a folder as a file; folders are not followed (no loops)
        found.skip(SKIP_LINKED_FOLDER, name)
        return None
    return SourceFile(path, name, problem, code)


def read_bytes(path: str) -> bytes:
    """The raw bytes of one discovered document (local path or URL).

    A local path is opened non-blocking and checked to be a regular file before a
    byte is read, so a file swapped for a FIFO after discovery cannot hang the run.
    """
    if "://" not in path:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise NotRegularFile(errno.EINVAL, "not a regular file", path)
            os.set_blocking(fd, True)
            with os.fdopen(fd, "rb", closefd=False) as fh:
                return fh.read()
        finally:
            os.close(fd)
    with fsspec.open(path, "rb") as fh:
        return fh.read()
