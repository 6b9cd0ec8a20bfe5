"""Which file holds which article, kept current while a build changes the manifest.

Every article of the index is either given by one file (its owner: its
stored text came from there) or *kept* with no file (``Manifest.kept``);
other files may hold copies of it (the same article under another id, or a
record with the same id). When the owner's file goes, a copy's file becomes
the owner; only when no file holds the article is it kept. Nothing here
removes an article from the index: ``forget`` is called once it is removed.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..store.manifest import Manifest


class Holdings:
    """Which file holds which article, kept current as a session changes the manifest.

    Every article of the index is either in one file's ``ids`` (its owner) or
    in the manifest's ``kept``; other files may hold copies of it.
    """

    def __init__(self, manifest: Manifest):
        self.manifest = manifest
        self.owner: dict[str, str] = manifest.owners()
        self.copies: dict[str, set[str]] = {}
        for key, state in manifest.files.items():
            for article_id in state.copies:
                self.copies.setdefault(article_id, set()).add(key)

    def own(self, article_id: str, key: str) -> None:
        """``key``'s file gives ``article_id`` now (taken from its former owner, or from ``kept``)."""
        former = self.owner.get(article_id)
        if former is not None and former != key and former in self.manifest.files:
            ids = self.manifest.files[former].ids
            if article_id in ids:
                ids.remove(article_id)
        self.owner[article_id] = key
        self.manifest.kept.pop(article_id, None)

    def copy(self, article_id: str, key: str) -> None:
        self.copies.setdefault(article_id, set()).add(key)

    def release(self, article_id: str, key: str) -> bool:
        """``key``'s file no longer gives ``article_id``: another copy's file holds it, or it is kept.

        True if it became kept.
        """
        if self.owner.get(article_id) != key:
            return False
        del self.owner[article_id]
        for holder in sorted(self.copies.get(article_id, ())):
            state = self.manifest.files.get(holder)
            if holder != key and state is not None and article_id in state.copies:
                state.copies.remove(article_id)
                state.ids.append(article_id)
                self.copies[article_id].discard(holder)
                self.owner[article_id] = holder
                return False
        self.manifest.kept[article_id] = key
        return True

    def drop_copies(self, key: str, article_ids: Iterable[str]) -> None:
        for article_id in article_ids:
            self.copies.get(article_id, set()).discard(key)

    def forget(self, article_id: str) -> None:
        """``article_id`` leaves the index: no file holds it any more."""
        owner = self.owner.pop(article_id, None)
        if owner is not None and owner in self.manifest.files and article_id in self.manifest.files[owner].ids:
            self.manifest.files[owner].ids.remove(article_id)
        for holder in self.copies.pop(article_id, set()):
            state = self.manifest.files.get(holder)
            if state is not None and article_id in state.copies:
                state.copies.remove(article_id)
        self.manifest.kept.pop(article_id, None)
