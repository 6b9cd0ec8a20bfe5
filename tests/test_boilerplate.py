"""Page furniture is dropped line by line; article text that merely starts like it is kept."""

import pytest

from search.ingest.boilerplate import clean_body, is_boilerplate

# Lines of IndoSum articles (CC BY-SA 4.0) and of the seed article, and a few
# written for these tests in the same shape (marked).
FURNITURE = [
    "Baca juga: Produsen Indomie Raup Keuntungan Rp 3,6 Triliun, Naik 20 Persen",
    "Baca juga: KAI Divre II Sumbar Gelar Ramp Check untuk Pastikan Keselamatan dan Kenyamanan Angkutan Lebaran",
    "SIMAK JUGA: Evan Dimas Sebut Ada Hikmah Dari Kegagalan Timnas Indonesia Raih Emas",
    "Penulis: Moh. Shofan, aktivis Muhammadiyah, kandidat doktor UIN Syarif Hidayatullah Jakarta",
    "IKLAN GUBERNUR",
    "Bagikan:",
    "Baca Juga:",  # written: a cross-link whose link text was lost
]
ARTICLE_TEXT = [
    # Sentences about an advertisement, not ad labels.
    'Iklan itu diberi judul, "Lorde dan Selandia Baru menolak Suriah untuk menyerang Israel". '
    'Selain itu terdapat kalimat "[Usia] 21 terlalu muda untuk jadi rasialis".',
    "Iklan yang dipasang oleh rabi Shmuley Boteach, menampilkan potret Lorde dengan latar seorang pria "
    "tengah berlari melalui puing-puing sembari menggendong bayi.",
    # Written: a cross-link whose link text was lost, its line going on with the article.
    "Baca juga: ,Pemerintah kota juga meminta setiap dinas melengkapi data pegawai sebelum akhir bulan. "
    "Data itu akan dipakai untuk menyusun anggaran tahun depan dan untuk menilai kebutuhan pelatihan.",
    # Written: a marker word inside a sentence.
    "Pemerintah Kota Sawahlunto membaca juga laporan dinas pendidikan tentang pendataan sekolah.",
]


@pytest.mark.parametrize("line", FURNITURE)
def test_furniture_lines_are_dropped(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize("line", ARTICLE_TEXT)
def test_article_text_is_kept(line):
    assert not is_boilerplate(line)


def test_clean_body_keeps_paragraphs_apart_without_furniture():
    body = "Paragraf pertama.\nBaca juga: Judul Berita Lain\n\n  \nPenulis: Redaksi\nParagraf kedua."
    assert clean_body(body) == "Paragraf pertama.\n\nParagraf kedua."
