"""The one mapping between an Article and the index's stored fields: what is written is read back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from search.articles import Article
from search.errors import UnwritableRecordError
from search.store.schema import to_article, to_document

WIB = timezone(timedelta(hours=7))


@pytest.mark.parametrize("article", [
    Article("a", "Banjir di Bekasi.", title="Banjir", date=datetime(2021, 3, 17, 17, 36, tzinfo=WIB),
            url="https://example.id/banjir", captured=datetime(2021, 3, 18, 2, 0, tzinfo=timezone.utc)),
    Article("b", "Tanpa tanggal dan tanpa rekaman arsip web."),
])
def test_an_article_written_is_read_back_whole(article):
    stored = {name: value for name, value in to_document(article).items() if isinstance(value, str)}
    assert to_article(stored) == article
    assert to_article(stored).to_dict()["captured"] == (article.captured.isoformat() if article.captured else None)


def test_a_capture_time_that_is_no_time_is_refused_before_writing():
    with pytest.raises(UnwritableRecordError, match="capture time"):
        to_document(Article("c", "Isi.", captured="kemarin"))  # type: ignore[arg-type]
