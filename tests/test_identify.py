"""Language identification: which archive texts are kept as Indonesian (search.language.identify).

The texts below were written for these tests (invented events). The figures on
real articles are benchmarks/identify.py's, not these tests'.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.language.identify import (
    MAX_WORDS,
    Language,
    evidence,
    identify,
    is_indonesian,
    language_words,
)
from search.language.tables import word_tables

ID, MS, EN, OTHER = Language.INDONESIAN, Language.MALAY, Language.ENGLISH, Language.OTHER

CASES = [
    # Indonesian, long and short
    ("id-news", ID, "Pemerintah Provinsi Jawa Tengah akan membangun jalan tol baru sepanjang 40 kilometer "
     "tahun depan. Gubernur mengatakan bahwa proyek itu diharapkan selesai pada Agustus 2027 karena "
     "anggarannya sudah disetujui DPRD, ujarnya kepada wartawan di Semarang, Senin (3/3/2025)."),
    ("id-sentence", ID, "Polisi menangkap dua pelaku pencurian di Bekasi."),
    ("id-short", ID, "Harga cabai naik di pasar"),
    ("id-with-english", ID, "Lagu terbaru band itu, Don't Look Back, dirilis pada Jumat lalu. Menurut sang vokalis, "
     "lagu tersebut bercerita tentang move on dari masa lalu dan menjadi soundtrack film yang akan tayang "
     "bulan depan di bioskop seluruh Indonesia."),
    ("id-colloquial", ID, "Gue nggak nyangka bakal rame banget, kata dia sambil tertawa. "
     "Ya udah, kita jalan aja dulu."),
    # Malay: its own spellings and words
    ("ms-news", MS, "KUALA LUMPUR: Kerajaan akan memperuntukkan RM2 bilion bagi projek jalan raya selepas "
     "kajian siap, kata menteri. Beliau berkata syarikat tempatan diberi keutamaan kerana kos yang rendah."),
    ("ms-police", MS, "Polis menahan seorang lelaki yang dipercayai terlibat dalam kes samun di Klang semalam."),
    ("ms-months", MS, "Cuti sekolah bermula pada bulan Ogos manakala peperiksaan diadakan pada bulan Disember."),
    ("ms-money", MS, "Harga ayam naik kepada RM11 sekilogram, iaitu lebih tinggi daripada bulan lepas."),
    # English, with Indonesian names
    ("en-names", EN, "President Joko Widodo opened the toll road between Semarang and Solo on Friday, "
     "saying it would cut travel times for residents of Central Java."),
    ("en-rupiah", EN, "Police in Surabaya arrested three men who took bets worth 20 billion rupiah."),
    ("en-short", EN, "This is the end of the road"),
    # Other languages
    ("jv", OTHER, "Warga ing desa iku padha nglumpuk kanggo ngrembug banjir sing kedadean minggu kepungkur."),
    ("su", OTHER, "Barudak sakola di Bandung diajar angklung unggal poe, sangkan budaya Sunda teu leungit."),
    ("tl", OTHER, "Inaresto ng pulisya ang tatlong lalaki sa Quezon City noong Lunes ng gabi."),
    ("es", OTHER, "La policía detuvo a dos hombres acusados de robar en varias tiendas del centro de la ciudad."),
    ("zh", OTHER, "印尼政府周一宣布，将在未来五年内投资新首都的基础设施建设。"),
    # Too short to say: OTHER (no evidence that it is Indonesian; no article is this short)
    ("empty", OTHER, ""),
    ("blank", OTHER, "   \n\t "),
    ("one-name", OTHER, "Jokowi"),
    ("two-words", OTHER, "Jakarta banjir"),
    ("digits", OTHER, "2025 12 31 1.500.000"),
]


@pytest.mark.parametrize("text, expected", [(text, expected) for _, expected, text in CASES],
                         ids=[name for name, _, _ in CASES])
def test_identify(text, expected):
    assert identify(text) is expected
    assert is_indonesian(text) is (expected is ID)


def test_an_indonesian_article_about_malaysia_stays_indonesian():
    text = ("Pemerintah Malaysia menaikkan harga bensin menjadi RM2,05 per liter. Kerajaan Malaysia "
            "menyebut kenaikan itu perlu karena subsidi membebani anggaran, ujar menteri keuangan.")
    assert identify(text) is ID


def test_malay_words_count_once_however_often_they_recur():
    once = evidence("Tim nasional Malaysia tiba di Jakarta pada Senin untuk laga persahabatan.")
    often = evidence("Tim nasional Malaysia tiba di Jakarta pada Senin untuk laga persahabatan. Malaysia, Malaysia!")
    assert language_words().malay["malaysia"] > 0
    assert once.malay == often.malay
    assert identify("Warga Malaysia, turis Malaysia dan pengusaha Malaysia memadati Bandung saat libur sekolah "
                    "karena harga di Malaysia lebih mahal.") is ID


def test_only_the_first_words_are_read():
    english_tail = " the of and" * MAX_WORDS
    assert evidence("Harga cabai naik di pasar " * MAX_WORDS + english_tail).words == MAX_WORDS
    assert identify("Polisi menangkap dua pelaku di Bekasi. " * 400 + english_tail) is ID


def test_word_lists_do_not_overlap():
    words = language_words()
    assert not words.english & words.family
    assert not words.other & (words.english | words.family)
    assert words.family == word_tables().stop_words
    assert all(2.0 <= abs(ratio) <= 5.0 for ratio in words.malay.values())


# The pairs of spellings and words that tell the standard languages apart
# (Dewan Bahasa dan Pustaka against KBBI): the measured table must point each
# word of a pair its own way.
MALAY_INDONESIAN_PAIRS = [
    ("kerana", "karena"), ("bahawa", "bahwa"), ("selepas", "setelah"), ("syarikat", "perusahaan"),
    ("kenderaan", "kendaraan"), ("wang", "uang"), ("polis", "polisi"),
    ("universiti", "universitas"), ("ogos", "agustus"), ("tentera", "tentara"), ("filem", "film"),
    ("sahaja", "saja"), ("tiada", "tidak"), ("rm", "rp"),
]


@pytest.mark.parametrize("malay, indonesian", MALAY_INDONESIAN_PAIRS)
def test_the_table_points_each_spelling_its_own_way(malay, indonesian):
    ratios = language_words().malay
    assert ratios[malay] > 0
    assert ratios.get(indonesian, 0.0) <= 0


def test_a_sentence_with_its_malay_spellings_swapped_for_indonesian_ones_turns_indonesian():
    malay = "Polis berkata kenderaan itu dipandu laju selepas kejadian kerana pemandu cuba melarikan diri."
    indonesian = "Polisi berkata kendaraan itu dipandu laju setelah kejadian karena pemandu coba melarikan diri."
    assert identify(malay) is MS
    assert identify(indonesian) is ID


@given(st.text())
def test_identification_never_raises_on_any_text(text):
    language = identify(text)
    assert isinstance(language, Language)
    assert is_indonesian(text) is (language is ID)


def test_the_malay_table_is_what_its_tool_makes_from_wordfreq():
    pytest.importorskip("wordfreq")  # the dev extra
    path = Path(__file__).parent.parent / "tools" / "make_malay_table.py"
    spec = importlib.util.spec_from_file_location("make_malay_table", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    made = {word: round(ratio, 1) for word, ratio in tool.ratios().items()}
    assert made == dict(language_words().malay)
