"""What an index remembers of where its articles came from: sources, files, copies, and articles kept.

The index is the archive of record; its input folders are not. The manifest
(``files.json`` in each generation) says, for each file the index read, which
articles it gave (``ids``: their stored text came from it) and which articles
it holds another copy of (``copies``: merged as the same article, or a record
with an id another file gave first). An article whose files are all gone,
moved away or no longer give it stays in the index and is listed in ``kept``
with the file it came from, until the user removes it explicitly (prune,
forget, remove). Nothing here decides what to delete: ``search.indexing.indexer``
does, and only when asked.

A damaged manifest is never read as an empty archive: it raises
:class:`IndexCorruptError`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import IndexCorruptError
from .disk import MANIFEST


def under(key: str, root: str) -> bool:
    """Whether the absolute path ``key`` is ``root`` or inside it."""
    return key == root or key.startswith(root.rstrip(os.sep) + os.sep)


@dataclass
class FileState:
    """One file the index read: how it was when read, and the articles it holds."""

    size: int
    mtime_ns: int
    label: str
    """The file's name in ids: its path under its source, made unique."""
    ids: list[str] = field(default_factory=list)
    """Articles whose stored text came from this file."""
    copies: list[str] = field(default_factory=list)
    """Articles this file holds another copy of (the same article under another id, or the same id)."""
    digest: str = ""
    """A hash of the file's bytes, to know it again after a move ("" when not known)."""
    reading: dict[str, str] = field(default_factory=dict)
    """How it was read where not by default (``search.ingest.ReadOptions.to_json``: a table's
    ``--columns``), so that an update reads it again the same way."""

    @classmethod
    def from_json(cls, data: object) -> FileState:
        if not isinstance(data, dict):
            raise ValueError("a file's entry is not an object")
        return cls(size=int(data["size"]), mtime_ns=int(data["mtime_ns"]), label=str(data.get("label") or ""),
                   ids=[str(i) for i in data.get("ids", [])], copies=[str(i) for i in data.get("copies", [])],
                   digest=str(data.get("digest", "")),
                   reading={str(k): str(v) for k, v in dict(data.get("reading") or {}).items()})


@dataclass
class Manifest:
    """The sources an index was built from, the files it read, and the articles it keeps without a file.

    ``files`` maps each file's absolute path to its :class:`FileState`;
    ``kept`` maps the id of each article no file holds any more to the file
    it came from.
    """

    sources: list[str] = field(default_factory=list)
    files: dict[str, FileState] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """A generation's manifest; :class:`IndexCorruptError` if it is missing or damaged."""
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
                raise ValueError("not a manifest")
            sources = data.get("sources", data.get("roots", []))
            kept = data.get("kept", {})
            if not isinstance(sources, list) or not isinstance(kept, dict):
                raise ValueError("not a manifest")
            return cls([str(s) for s in sources if isinstance(s, str)],
                       {str(key): FileState.from_json(state) for key, state in data["files"].items()},
                       {str(k): str(v) for k, v in kept.items()})
        except (OSError, ValueError, KeyError, TypeError) as error:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            raise IndexCorruptError(
                f"the index at {folder.parent} is damaged: cannot read {folder.name}/{MANIFEST} ({reason})",
                path=folder.parent, cause=reason) from None

    def write(self, folder: Path) -> None:
        data = {"sources": self.sources, "files": {key: asdict(state) for key, state in self.files.items()},
                "kept": self.kept}
        (folder / MANIFEST).write_text(json.dumps(data), encoding="utf-8")

    def source_of(self, key: str) -> str | None:
        """The innermost source that holds the file or folder ``key``."""
        holding = [source for source in self.sources if under(key, source)]
        return max(holding, key=len) if holding else None

    def owners(self) -> dict[str, str]:
        """id -> the file its stored text came from."""
        return {i: key for key, state in self.files.items() for i in state.ids}
