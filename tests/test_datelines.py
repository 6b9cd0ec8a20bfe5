"""Datelines: recognised at the start of a body, kept in the stored body, left out of what is searched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import search
from search.language.datelines import Shape, find_dateline, masked

# Real body openings from the shared corpora and pages: (where seen, the dateline as
# written and a word or two after it, the place and the outlet's source name it gives).
# Nothing more of any article is copied; the words after a few datelines are stand-ins.
# An empty place and outlet: an opening that is no dateline.
TABLE = [
    ('indosum/cnn', 'Jakarta, CNN Indonesia -- Komisi Pemberantasan', 'Jakarta', 'CNN Indonesia'),
    ('indosum/cnn', 'Bandung, CNN Indonesia -- Kondisi', 'Bandung', 'CNN Indonesia'),
    ('indosum/antara', 'Jakarta (ANTARA News) - BlackBerry memang', 'Jakarta', 'Antara'),
    ('indosum/antara', 'Venesia (ANTARA News) - Video klip', 'Venesia', 'Antara'),
    ('indosum/antara', 'Jakarta (ANTARANews) - Kecemerlangan pasangan', 'Jakarta', 'Antara'),
    ('indosum/antara', 'Bandung, Jawa Barat (ANTARA News) - Polisi', 'Bandung', 'Antara'),
    ('indosum/poskota', 'JAKARTA (Pos Kota) – Wakil Gubernur', 'Jakarta', 'Pos Kota'),
    ('indosum/poskota', 'JAKARTA – Menteri Lingkungan', 'Jakarta', ''),
    ('indosum/poskota', 'INGGRIS-Tottenham Hotspur mampu', 'Inggris', ''),
    ('indosum/poskota', 'KOREA SELATAN – Pemerintah', 'Korea Selatan', ''),
    ('indosum/poskota', 'SPANYOL– Perdana Menteri', 'Spanyol', ''),
    ('indosum/merdeka', 'Merdeka.com-Pelatih Persebaya', '', 'Merdeka.com'),
    ('indosum/suara', 'Suara.com-Kepolisian Resor', '', 'Suara.com'),
    ('indosum/suara', 'Suara.com - "Ada beberapa', '', 'Suara.com'),
    ('indosum/rimanews', 'Rimanews-Tiga pria', '', 'Rimanews'),
    ('indosum/rimanews', 'Rimanews – Tidak semua', '', 'Rimanews'),
    ('indosum/juara', 'JUARA.NET, JAKARTA-Pengurus Pusat', 'Jakarta', 'Juara.net'),
    ('indosum/juara', 'MANCHESTER, JUARA.net-Gelandang', 'Manchester', 'Juara.net'),
    ('indosum/juara', 'TERMAS DE RIO HONDO, JUARA.net-Autodromo', 'Termas De Rio Hondo', 'Juara.net'),
    ('indosum/juara', 'JUARA.NET-Rumor ketertarikan', '', 'Juara.net'),
    ('indosum/juara', 'JUARA, GLASGOW-Pebulu tangkis', 'Glasgow', 'Juara.net'),
    ('indosum/juara', 'BOLASPORT.COM-Pebalap', '', 'BolaSport.com'),
    ('indosum/kumparan', 'Malang (Kabarpas.com) – Sebuah mobil', 'Malang', 'Kabarpas.com'),
    ('indosum/kumparan', 'SENGKANG, KABARWAJO.com-Perayaan Idul', 'Sengkang', 'KABARWAJO.com'),
    ('click-id/tempo', 'TEMPO.CO, Jakarta - Ketua', 'Jakarta', 'Tempo.co'),
    ('click-id/tempo', 'TEMPO.CO, Badung - PT', 'Badung', 'Tempo.co'),
    ('click-id/tempo', 'Tempo.Co, Jakarta - Polisi', 'Jakarta', 'Tempo.co'),
    ('click-id/tempo', 'TEMPO.CO Yogyakarta - Pelatih Bali', 'Yogyakarta', 'Tempo.co'),
    ('click-id/kompas', 'JAKARTA, KOMPAS.com - Presiden', 'Jakarta', 'Kompas.com'),
    ('click-id/kompas', 'KOMPAS.com - Tim', '', 'Kompas.com'),
    ('click-id/tribunnews', 'TRIBUNNEWS.COM - Pelatih', '', 'Tribunnews.com'),
    ('click-id/tribunnews', 'KAB. CIREBON -- Pemerintah Daerah', 'Kab. Cirebon', ''),
    ('click-id/tribunnews', 'KOTA BANDUNG – Wali Kota', 'Kota Bandung', ''),
    ('click-id/okezone', 'YOKOHAMA -Produsen Nissan', 'Yokohama', ''),
    ('click-id/okezone', 'JAKARTA - Tak hanya', 'Jakarta', ''),
    ('click-id/tempo', 'Tangerang Selatan - Polisi', 'Tangerang Selatan', ''),
    ('detik', 'Jakarta- Komedian Jarwo', 'Jakarta', ''),
    ('html/antara', 'Mataram, NTB (ANTARA News) - Sebanyak', 'Mataram', 'Antara'),
    ('html/detik', 'Jakarta - Galaxy S6 Edge', 'Jakarta', ''),
    ('html/kapanlagi', 'Kapanlagi.com - Brandon Nicholas', '', 'KapanLagi.com'),
    ('html/kompas', 'LOS ANGELES, KOMPAS.com - Pendiri Facebook', 'Los Angeles', 'Kompas.com'),
    ('html/kompas', 'KUTA, KOMPAS.com — Penyerang anyar', 'Kuta', 'Kompas.com'),
    ('html/kompas', 'Jakarta, KompasOtomotif – Tahun depan', 'Jakarta', 'Kompas.com'),
    ('html/liputan6', 'Liputan6.com, Jakarta - Indonesia memasuki', 'Jakarta', 'Liputan6.com'),
    ('html/republika', 'REPUBLIKA.CO.ID, JAKARTA -- Aktris', 'Jakarta', 'Republika'),
    ('html/republika', 'REPUBLIKA.CO.ID, MANCHESTER— Sebelum menjadi', 'Manchester', 'Republika'),
    ('html/republika', 'IHRAM.CO.ID, BANJARMASIH -- Kepala Kantor', 'Banjarmasih', 'Ihram.co.id'),
    ('html/viva', 'VIVA.co.id - Pianis cilik', '', 'VIVA.co.id'),
    ('seed/binews', 'SAWAHLUNTO, binews.id - Kota Sawahlunto', 'Sawahlunto', 'binews.id'),
    ('detik', 'Jakarta-Ciwidey bisa ditempuh', '', ''),
    ('indosum/rimanews', 'ANALISIS – Sampai detik-detik', '', ''),
    ('indosum/rimanews', 'OPINI-Dalam konstelasi', '', ''),
    ('indosum/dailysocial', 'GO-JEK kembali', '', ''),
    ('click-id/okezone', 'Pelatih PS TIRA-Persikabo', '', ''),
    ('click-id/wowkeren', 'Revisi Undang-Undang KPK', '', ''),
    ('click-id/tempo', 'Paris Saint-Germain menang', '', ''),
    ('click-id/kompas', 'Jakarta Culinary Feastival (JCF)', '', ''),
    ('html/liputan6', 'Liputan6.com, Jakarta London Love Story', '', ''),
]
DATELINES = [row for row in TABLE if row[2] or row[3]]


def test_the_table_holds_at_least_30_real_datelines_from_every_source_of_articles():
    assert len(DATELINES) >= 30
    assert {where.split("/")[0] for where, *_ in DATELINES} >= {"indosum", "click-id", "detik", "html", "seed"}


@pytest.mark.parametrize(("where", "start", "place", "outlet"), TABLE, ids=[f"{r[0]}:{r[1][:24]}" for r in TABLE])
def test_a_body_start_gives_its_place_and_outlet(where, start, place, outlet):
    found = find_dateline(start)
    if not (place or outlet):
        assert found is None
        return
    assert found is not None
    assert (found.place, found.outlet) == (place, outlet)
    # The dateline ends where the article's own words begin.
    assert found.start == 0 and start[found.end:][:1].isalnum() or start[found.end:][:1] in "\"\u201c"


def test_each_shape_is_recognised():
    shapes = {found.shape for _, start, *_ in DATELINES if (found := find_dateline(start))}
    assert shapes == set(Shape)


def test_a_dateline_after_a_subtitle_is_found_if_it_names_its_outlet():
    body = "Rektor buka invitasi olahraga.\n\nTEMPO.CO, Jakarta - Olahraga antar kampus dimulai."
    found = find_dateline(body)
    assert found is not None and body[found.start:found.end] == "TEMPO.CO, Jakarta - "
    # A place alone is a dateline only at the very start.
    assert find_dateline("Rektor buka invitasi olahraga.\n\nJAKARTA - Olahraga dimulai.") is None


def test_masking_keeps_every_other_character_in_its_place():
    body = "Jakarta, CNN Indonesia -- Banjir melanda Bima."
    text = masked(body, find_dateline(body))
    assert len(text) == len(body) and text.strip() == "Banjir melanda Bima."
    assert text[body.index("Banjir"):] == body[body.index("Banjir"):]
    assert masked("Tanpa dateline.", None) == "Tanpa dateline."


@pytest.fixture(scope="module")
def floods(tmp_path_factory) -> Path:
    """An index of three flood reports: two filed from Jakarta about elsewhere, one about Jakarta."""
    folder = tmp_path_factory.mktemp("datelines")
    records = [
        {"id": "bima", "title": "Banjir di Bima",
         "body": "Jakarta, CNN Indonesia -- Banjir merendam ratusan rumah di Kota Bima, Nusa Tenggara Barat."},
        {"id": "sidempuan", "title": "Banjir di Padangsidimpuan", "source": "Sumber Sendiri",
         "body": "JAKARTA, KOMPAS.com - Banjir bandang melanda Padangsidimpuan setelah hujan deras."},
        {"id": "ibukota", "title": "Banjir di ibu kota",
         "body": "Banjir merendam kawasan Kampung Melayu, Jakarta Timur, sejak pagi."},
    ]
    (folder / "banjir.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    index_dir = folder / "index"
    search.build_index([folder / "banjir.jsonl"], index_dir)
    return index_dir


def test_a_dateline_place_is_not_searched_as_body_text(floods):
    with search.open_index(floods) as index:
        assert [hit.id for hit in index.search("jakarta").hits] == ["ibukota"]
        assert [hit.id for hit in index.search("banjir jakarta").hits][0] == "ibukota"


def test_the_stored_body_keeps_its_dateline_and_fills_location_and_source(floods):
    with search.open_index(floods) as index:
        bima = index.get("bima")
        assert bima.body.startswith("Jakarta, CNN Indonesia -- Banjir")
        assert (bima.location, bima.source) == ("Jakarta", "CNN Indonesia")
        sidempuan = index.get("sidempuan")
        assert (sidempuan.location, sidempuan.source) == ("Jakarta", "Sumber Sendiri")  # its own source kept
        assert index.get("ibukota").location == ""


def test_marks_in_a_body_with_a_dateline_fall_on_the_words(floods):
    with search.open_index(floods) as index:
        (hit,) = [hit for hit in index.search("merendam bima").hits if hit.id == "bima"]
        marked = [word for snippet in hit.snippets for word in snippet.marked]
        assert marked == ["merendam", "Bima"]
        assert hit.snippets[0].text.startswith("Jakarta, CNN Indonesia --")


def test_an_article_added_to_an_index_leaves_its_dateline_out_too(floods, tmp_path):
    # An update goes through Whoosh's own writer, not a full build's.
    index_dir = tmp_path / "index"
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps({"id": "awal", "body": "Banjir di Jakarta Utara surut."}) + "\n", encoding="utf-8")
    search.build_index([first], index_dir)
    added = tmp_path / "added.jsonl"
    added.write_text(json.dumps({"id": "bima", "body": "Jakarta (ANTARA) - Banjir merendam Bima."}) + "\n",
                     encoding="utf-8")
    search.add_articles([added], index_dir)
    with search.open_index(index_dir) as index:
        assert [hit.id for hit in index.search("jakarta").hits] == ["awal"]
        bima = index.get("bima")
        assert (bima.body, bima.location, bima.source) == ("Jakarta (ANTARA) - Banjir merendam Bima.", "Jakarta",
                                                           "Antara")
