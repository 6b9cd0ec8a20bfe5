"""A full build's own segment writer (search.store.segments) against Whoosh's writer, on generated articles.

Both write the engine's schema with the engine's codec; the indexes must hold
the same terms, postings (weights and values, by article), term statistics,
field lengths and stored fields, however many segments the builder's memory
limit splits the articles into.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from index_contents import index_contents
from whoosh.filedb.filestore import RamStorage
from whoosh.query import Term

from search.articles import Article
from search.store.codec import ArrayCodec
from search.store.schema import JOINED_FIELDS, build_schema, to_document
from search.store.segments import SegmentBuilder

# Words that exercise the analysis: affixes, reduplication (written out and
# informally), hyphenated names, stop words, spellings the table rewrites,
# amounts, numbers, number words, case, and letters whose lowercase is longer.
WORDS = ["memiliki", "Dinas", "perkembangan", "teknologi", "anak-anak", "anak2", "se-Sumbar", "Covid-19",
         "yang", "dan", "yg", "bikin", "Rp50", "Rp", "5.000", "2,5", "sembilan", "kedua", "Jum'at",
         "İstanbul", "berbeda-beda", "x-ray", "-", "KPK", "pemerintah", "perintah", "di", "ke-2"]
SEPARATORS = [" ", "  ", "\n", ", ", ". ", " (", ") ", "\t", "\u00a0", "\u2014"]

def _texts(min_size: int):
    return st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), min_size=min_size,
                    max_size=80).map(lambda pairs: "".join(word + separator for word, separator in pairs).strip())

articles = st.lists(
    st.builds(
        lambda body, title, days, source, location: Article(
            id="", body=body, title=title, source=source, location=location,
            date=datetime(2021, 1, 1, tzinfo=timezone.utc) + timedelta(days=days) if days is not None else None),
        _texts(1), _texts(0), st.none() | st.integers(0, 900), st.sampled_from(["", "binews.id", "CNN Indonesia"]),
        st.sampled_from(["", "Padang", "Kota Bandung"])),
    min_size=1, max_size=30)


def _documents(found: list[Article]) -> list[dict]:
    return [to_document(Article(**{**article.__dict__, "id": f"a{n}"})) for n, article in enumerate(found)]


def _whoosh_index(documents: list[dict]):
    ix = RamStorage().create_index(build_schema())
    with ix.writer(codec=ArrayCodec()) as writer:
        for document in documents:
            writer.add_document(**document)
    return ix


def _built_index(documents: list[dict], limit_mb: float):
    ix = RamStorage().create_index(build_schema())
    builder = SegmentBuilder(ix.storage, ix.indexname, ix.schema, ArrayCodec(), limit_mb, JOINED_FIELDS)
    for document in documents:
        builder.add_document(document)
    segments = builder.finish()
    with ix.writer(codec=ArrayCodec()) as writer:  # only to publish the segments, as BuildWriter does
        writer.mergetype = lambda _, existing: list(existing) + segments
    return ix, len(segments)


def _contents(ix) -> dict:
    return index_contents(ix, ("date", "month", "source"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles, st.sampled_from([64, 0]))
def test_the_builder_writes_what_whoosh_writes(found, limit_mb):
    documents = _documents(found)
    ix, segments = _built_index(documents, limit_mb)
    assert _contents(ix) == _contents(_whoosh_index(documents))
    if limit_mb == 0:
        assert segments == len(documents)  # a segment for each article


def test_a_small_limit_writes_many_segments_that_read_as_one_index():
    documents = _documents([Article(id="", title=f"Banjir {n}", body="Banjir melanda Jakarta. " * (n + 1))
                            for n in range(50)])
    ix, segments = _built_index(documents, 0.002)
    assert segments > 5
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 50
        assert len(searcher.search(Term("body", "banjir"), limit=None)) == 50
        assert searcher.document(id="a49")["title"] == "Banjir 49"
