"""Indonesian analysis: tokens, stop words, spelling and stems, pinned in tables."""

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

from search.language.analysis import Analysis, CachedAnalysis, IndonesianAnalyzer, analyze, stem
from search.language.tables import word_tables

STOP_WORDS = word_tables().stop_words

# Word as written in real news text (the seed article and IndoSum) -> its root.
GOLDEN_STEMS = [
    ("memiliki", "milik"), ("perkembangan", "kembang"), ("pendataan", "data"),
    ("disampaikan", "sampai"), ("menghadirkan", "hadir"), ("dijadwalkan", "jadwal"),
    ("pihaknya", "pihak"), ("perwujudannya", "wujud"), ("menjadikan", "jadi"),
    ("mensinergikan", "sinergi"), ("berbeda-beda", "beda"), ("anak-anak", "anak"),
    ("bukunya", "buku"), ("kemungkinan", "mungkin"), ("penggeledahan", "geledah"),
    ("ditetapkan", "tetap"), ("pelaksana", "laksana"), ("perumahan", "rumah"),
    ("mengembalikan", "kembali"), ("penelitian", "teliti"), ("dikembangkan", "kembang"),
    ("pencarian", "cari"), ("menangkap", "tangkap"), ("ditangkap", "tangkap"),
    ("kebijakan", "bijak"), ("pembangunan", "bangun"), ("keselamatan", "selamat"),
    ("kenyamanan", "nyaman"), ("membina", "bina"), ("kelemahan", "lemah"),
    ("berharap", "harap"), ("dihadiri", "hadir"), ("perekonomian", "ekonomi"),
    ("kepolisian", "polisi"), ("kejaksaan", "jaksa"), ("mengatakan", "kata"),
    ("pemilihan", "pilih"), ("pertandingan", "tanding"), ("kemenangan", "menang"),
    ("dikalahkan", "kalah"), ("permainan", "main"), ("dinas-dinas", "dinas"),
    # Sastrawi's own errors, fixed by search/data/stem_exceptions.tsv
    ("berbasis", "basis"), ("beragam", "ragam"), ("pergerakan", "gerak"),
    ("bekasi", "bekasi"), ("apakah", "apa"),
    # Sastrawi's roots that Indonesian spelling rules out (mem-ban-tah, di-asai),
    # replaced by the most common reading it allows
    ("membantah", "bantah"), ("dikuasai", "kuasa"), ("menangis", "tangis"),
    ("penyelidikan", "selidik"), ("mengenali", "kenal"), ("menemani", "teman"),
    ("belasan", "belas"), ("melukis", "lukis"), ("beberkan", "beber"),
    # a root that needs a particle gives way to a more common one that does not
    ("menikah", "nikah"), ("selangkah", "langkah"), ("perlukah", "perlu"), ("keluarlah", "keluar"),
    # readings that join a prefix and a suffix Indonesian never joins (pe-...-kan,
    # me-...-an, ber-...-i, se-...-i) give way to one that does
    ("penegakan", "tegak"), ("penarikan", "tarik"), ("menelan", "telan"), ("memesan", "pesan"),
    ("bertani", "tani"), ("berapi", "api"), ("sehelai", "helai"), ("keunikan", "unik"),
    # ... but a root ending in k may take -an for -kan: news writes -kkan as -kan
    ("meneriakan", "teriak"), ("dipraktikan", "praktik"),
    # ... while the readings the spelling allows are kept
    ("menunjukkan", "tunjuk"), ("memakai", "pakai"), ("petani", "tani"), ("berikanlah", "beri"),
    # names and acronyms stay themselves
    ("diskominfo", "diskominfo"), ("bpbd", "bpbd"), ("sawahlunto", "sawahlunto"),
    ("bappeda", "bappeda"), ("kominfo", "kominfo"), ("jakarta", "jakarta"),
    # variant spellings of a word or of its root stem to the standard root (data/variants.tsv)
    ("hoax", "hoaks"), ("ijin", "izin"), ("perizinan", "izin"), ("berhutang", "utang"),
    ("beresiko", "risiko"), ("dipraktekkan", "praktik"), ("mengantri", "antre"), ("sholat", "salat"),
    ("obyek", "objek"), ("nopember", "november"), ("sekedar", "sekadar"),
    # numbers are not stemmed; small number words (and their ordinals) stem to digits
    ("2021", "2021"), ("1.500", "1.500"),
    ("sembilan", "9"), ("dua", "2"), ("kedua", "2"), ("ketiga", "3"), ("sepuluh", "10"),
]


@pytest.mark.parametrize("word, root", GOLDEN_STEMS)
def test_stem_golden_table(word, root):
    assert stem(word) == root


def stems(text):
    return [t.stem for t in analyze(text) if not t.stop_word]


TOKEN_CASES = [
    ("Anak-anak bermain", ["anak", "main"]),
    ("berbeda-beda", ["beda"]),
    ("Diskominfo BPBD Sawahlunto", ["diskominfo", "bpbd", "sawahlunto"]),
    ("tahun 2021 ini", ["tahun", "2021"]),
    ("Rp 1.500 juta", ["rp", "1.500", "juta"]),
    # the rupiah sign is written with and without a space: both give the same tokens
    ("Rp1.500 juta", ["rp", "1.500", "juta"]), ("RP50 miliar", ["rp", "50", "miliar"]),
    ("Rpx Rupiah", ["rpx", "rupiah"]),
    # a hyphenated word that is not a reduplication is searchable by its parts
    ("se-Sumbar", ["se", "sumbar"]),
    ("Covid-19", ["covid", "19"]),
    # informal spellings
    ("anak2 yg gak sekolah", ["anak", "sekolah"]),
    # colloquial words meet their standard ones ("bikin" is "membuat")
    ("Ngaku bikin duit bareng", ["aku", "buat", "uang", "sama"]),
    ("mengaku membuat uang bersama", ["aku", "buat", "uang", "sama"]),
    # ... but not names that look like them
    ("I Gede Putu di Bener Meriah", ["i", "gede", "putu", "bener", "riah"]),
]


@pytest.mark.parametrize("text, expected", TOKEN_CASES)
def test_tokens_and_stems(text, expected):
    assert stems(text) == expected


def test_analyze_reports_surface_form_and_offsets():
    tokens = analyze("Dinas Kominfo memiliki data")
    assert [(t.text, t.stem) for t in tokens] == [
        ("Dinas", "dinas"), ("Kominfo", "kominfo"), ("memiliki", "milik"), ("data", "data")]
    assert tokens[2].start == 14 and tokens[2].end == 22


def test_stop_words_are_marked_not_hidden():
    tokens = analyze("yang memiliki")
    assert tokens[0].stop_word and not tokens[1].stop_word


CONTENT_WORDS_IN_SASTRAWI_STOP_LIST = [
    "akhir", "bapak", "ibu", "hari", "bulan", "kasus", "masalah", "orang", "tempat",
    "dua", "tiga", "lima", "pihak", "jawaban", "terakhir",
]


@pytest.mark.parametrize("word", CONTENT_WORDS_IN_SASTRAWI_STOP_LIST)
def test_content_words_are_searchable(word):
    assert word in StopWordRemoverFactory().get_stop_words()
    assert word not in STOP_WORDS
    assert stems(word)


@pytest.mark.parametrize("word", ["yang", "dan", "di", "ke", "dari", "ini", "itu", "dengan", "untuk"])
def test_function_words_are_stopped(word):
    assert word in STOP_WORDS
    assert stems(word) == []


# Function words the stop list adds to Sastrawi's (pronouns, particles, articles).
ADDED_FUNCTION_WORDS = {"beliau", "deh", "dimana", "engkau", "kah", "sang", "si", "sih", "situ",
                        "tah", "yah"}


def test_stop_list_is_reviewed_subset_of_sastrawi():
    sastrawi = set(StopWordRemoverFactory().get_stop_words())
    assert STOP_WORDS - sastrawi == ADDED_FUNCTION_WORDS
    assert len(STOP_WORDS) < len(sastrawi) / 4


def test_analyzer_pickles_small_and_by_reference():
    data = pickle.dumps(IndonesianAnalyzer())
    assert len(data) < 5000
    restored = pickle.loads(data)
    assert [t.text for t in restored("memiliki anak-anak")] == ["milik", "anak"]


# Pieces of text for the cached chain: affixes, reduplication (written out and
# informally), hyphenated names and numbers, stop words, spellings the tables
# rewrite, amounts, number words, apostrophes, letters whose lowercase is longer
# (İ), and separators of every kind.
CACHE_PIECES = ["memiliki", "Dinas", "perkembangan", "anak-anak", "anak2", "se-Sumbar", "Covid-19", "yang",
                "dan", "yg", "bikin", "Rp50", "Rp", "5.000", "2,5", "sembilan", "kedua", "Jum'at", "İstanbul",
                "berbeda-beda", "x-ray", "ke-2", "KPK", "pemerintah", "-", "'", " ", "  ", "\n", ", ", ". ",
                "(", ")", "\t", "\u00a0", "\u2014", "\u2019s", "_", "٣"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(CACHE_PIECES), max_size=60).map("".join))
def test_the_cached_chain_gives_the_tokens_the_chains_give(text):
    analysis = Analysis()
    cached = CachedAnalysis(analysis.stemmed)
    # (The chain yields one token object, changed in place: read each as it comes.)
    tokens = [(t.text, t.pos, t.startchar, t.endchar) for t in analysis.stemmed(text, positions=True, chars=True)]
    by_stem: dict[str, list[int]] = {}
    for root, *hit in tokens:
        by_stem.setdefault(root, []).extend(hit)
    expected = (by_stem, [token.text for token in analysis.exact(text)], len(tokens))
    assert cached.words(text) == expected
    assert list(cached.words(text)[0]) == list(by_stem)  # in the order the chain meets them
    assert cached.words(text) == expected  # the second time from the cache
    assert cached.unstemmed(analysis.exact) and cached.follows(analysis.stemmed)


def test_the_cached_chain_refuses_a_chain_of_another_shape():
    from whoosh.analysis import StandardAnalyzer

    with pytest.raises(ValueError, match="not an Indonesian analysis chain"):
        CachedAnalysis(StandardAnalyzer())
