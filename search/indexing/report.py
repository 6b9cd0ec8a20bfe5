"""What a build, update, rebuild, prune, forget, add or remove did: the report every write returns.

Kept apart from the indexer so that a caller (the command line, a script)
reads what happened without loading how it is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from ..articles import Note, Skipped


class BuildMode(str, Enum):
    """What a call to the indexer did."""

    BUILD = "build"
    """A new index, from its sources."""
    REBUILD = "rebuild"
    """Every stored article analysed again; no source read."""
    UPDATE = "update"
    """New and changed files read; nothing removed."""
    ADD = "add"
    REMOVE = "remove"
    FORGET = "forget"
    PRUNE = "prune"
    """An update, then the articles whose files are gone removed."""


@dataclass
class Merged:
    """An article that was not indexed because the index already holds it."""

    path: str
    id: str
    kept: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.id!r} has the {self.reason} as {self.kept!r}; merged into it"


@dataclass
class BuildReport:
    """What a build, update, add, rebuild, prune, forget or remove did."""

    index_dir: Path
    mode: BuildMode = BuildMode.BUILD
    added: int = 0
    replaced: int = 0
    removed: int = 0
    """Articles removed: only by ``remove_articles``, ``prune`` or ``forget_source``."""
    files: int = 0
    """Files read."""
    new_files: int = 0
    changed_files: int = 0
    deleted_files: int = 0
    """Files that were gone (their articles are kept) or forgotten."""
    moved_files: int = 0
    """Files found at a new place with the same bytes: their articles kept their ids."""
    unchanged_files: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    """What was repaired in the records indexed (characters replaced, dates dropped), one per change."""
    merged: list[Merged] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    """Ids that ``remove_articles`` was asked for but the index does not hold."""
    sources: list[str] = field(default_factory=list)
    """The index's sources afterwards (absolute paths)."""
    new_sources: list[str] = field(default_factory=list)
    missing_sources: list[str] = field(default_factory=list)
    """Known sources that no longer exist; their articles were kept."""
    kept: int = 0
    """Articles in the index afterwards that no file holds any more (``prune`` removes them)."""
    newly_kept: int = 0
    """Of those, the ones whose files went in this run."""
    rebuilt: int = 0
    """Stored articles analysed again (a rebuild, which reads no source)."""
    articles: int = 0
    """Articles in the index afterwards."""
    seconds: float = 0.0
    changed: bool = True
    """False when there was nothing to do and the index was left as it was."""

    @property
    def indexed(self) -> int:
        """Articles written: added or replaced."""
        return self.added + self.replaced
