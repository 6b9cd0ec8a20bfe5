"""Page furniture is dropped line by line; article text that merely starts like it is kept."""

import pytest

from search.boilerplate import clean_body, is_boilerplate

# Lines from real articles of the evaluation corpora (IndoSum and CLICK-ID).
FURNITURE = [
    "Baca juga: Produsen Indomie Raup Keuntungan Rp 3,6 Triliun, Naik 20 Persen",
    "Baca juga: KAI Divre II Sumbar Gelar Ramp Check untuk Pastikan Keselamatan dan Kenyamanan Angkutan Lebaran",
    "SIMAK JUGA: Evan Dimas Sebut Ada Hikmah Dari Kegagalan Timnas Indonesia Raih Emas",
    "Baca Juga:",
    "Penulis: Rian Anggara",
    "Editor: Agus Salim",
    "IKLAN GUBERNUR",
    "Jangan lewatkan ramalan zodiak kesehatan besok Jumat 20 September 2019 dan cek peruntunganmu.",
    "Bagikan:",
]
ARTICLE_TEXT = [
    # A sentence about an advertisement, not an ad label.
    "Iklan ulang tahun Jimin juga akan diputar di COEX Underworld Panorama, tepatnya di layar 100 meter. "
    "Mereka juga memasang iklan berupa gambar di linimasa Twitter dan banyak lagi.",
    # A cross-link whose link text was lost, its line going on with the article.
    "Baca juga: ,Umumnya, parfum hadir dengan kemasan box atau dus. Jika parfum kamu datang dengan box, "
    "jangan dibuang dulu, ya, kemasannya. Untuk memastikan keamanan dan kualitas parfum tetap terjaga.",
    "Pemerintah Kota Sawahlunto membaca juga laporan dinas pendidikan tentang pendataan sekolah.",
]


@pytest.mark.parametrize("line", FURNITURE)
def test_furniture_lines_are_dropped(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize("line", ARTICLE_TEXT)
def test_article_text_is_kept(line):
    assert not is_boilerplate(line)


def test_clean_body_keeps_paragraphs_apart_without_furniture():
    body = "Paragraf pertama.\nBaca juga: Judul Berita Lain\n\n  \nPenulis: Rian\nParagraf kedua."
    assert clean_body(body) == "Paragraf pertama.\n\nParagraf kedua."
