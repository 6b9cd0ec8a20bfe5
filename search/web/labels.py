"""Every word the page says, in Indonesian (the default) and English: one table.

The page's language is part of its URL (``?lang=en``), like the rest of its
state, so that a link, a bookmark or the back button keeps it; Indonesian
pages carry no ``lang``. Templates read ``t.key``; nothing else in the
package chooses words by language. The engine's notes on a query (a field
it does not know, a date it cannot read) come typed (``search.QueryNote``:
a kind and its values) and are said here in either language.
"""

from __future__ import annotations

from ..results import QueryNote, QueryNoteKind

DEFAULT = "id"

LABELS: dict[str, dict] = {
    "id": {
        "html_lang": "id",
        "site": "Cari Berita",
        "title": "Cari berita",
        "query_label": "Kata pencarian",
        "placeholder": 'mis. banjir bekasi, "dinas kominfo", kategori:politik',
        "search": "Cari",
        "sort": "Urutkan",
        "sorts": {"relevansi": "Relevansi", "terbaru": "Terbaru", "terlama": "Terlama"},
        "from": "Dari",
        "to": "Sampai",
        "from_example": "mis. 2021-03",
        "to_example": "mis. Maret 2021",
        "refine": "Saring: tanggal, kategori, sumber …",
        "help_link": "Bantuan pencarian",
        "api": "API (OpenAPI)",
        "other_language": "English",
        "lead": "Cari di antara {count} artikel berita.",
        "unreadable": "Pencarian tidak dapat dibaca:",
        "filters": "Saring",
        "active": "Saringan aktif",
        "remove_filter": "Hapus saringan",
        "remove_dates": "Hapus rentang tanggal",
        "date": "tanggal",
        "filter_names": {"kategori": "kategori", "sumber": "sumber", "penulis": "penulis", "lokasi": "lokasi"},
        "facets": {"category": "Kategori", "source": "Sumber", "author": "Penulis", "location": "Lokasi"},
        "per": {"bulan": "Per bulan", "tahun": "Per tahun"},
        "per_list": {"bulan": "Daftar per bulan", "tahun": "Daftar per tahun"},
        "per_aria": {"bulan": "Jumlah hasil per bulan", "tahun": "Jumlah hasil per tahun"},
        "results": "Hasil",
        "nothing_for": "Tidak ada hasil untuk “{typed}”; ditampilkan hasil untuk",
        "did_you_mean": "Maksud Anda",
        "stop_words": "Kata umum yang tidak dicari: {words}.",
        "excluded": "Dikecualikan: artikel yang memuat {words}.",
        "notes": "Catatan:",
        "note_kinds": {
            QueryNoteKind.CUT: "kueri dipotong menjadi {characters} karakter pertamanya",
            QueryNoteKind.FILTER_IGNORED: "{clause} diabaikan: bukan tanggal yang dikenali",
            QueryNoteKind.NO_SUCH_FIELD: "tidak ada kolom “{field}”; {field}: dicari sebagai kata",
            QueryNoteKind.SYNTAX_NOT_UNDERSTOOD: "susunan kueri tidak dipahami; yang dicari kata-katanya",
            QueryNoteKind.LEFT_OUT: "artikel yang memuat {words} tidak ditampilkan "
                                    "(tanda '-' atau BUKAN di depan kata mengecualikannya)",
            QueryNoteKind.CORRECTED: "tidak ada hasil untuk “{typed}”; ditampilkan hasil untuk “{searched}”",
            QueryNoteKind.NO_WORDS: "tidak ada kata yang bisa dicari dalam kueri (hanya kata umum atau simbol)",
            QueryNoteKind.SHARDS_MISSING: "bagian indeks {shards} tidak menjawab: hasil ini tanpa artikelnya",
            QueryNoteKind.PREFIX_TOO_SHORT: "{clause}: '*' mencari kata yang berawalan paling sedikit {letters} "
                                            "huruf (banj* menemukan banjir, banjarmasin); yang dicari {word}",
            QueryNoteKind.WILDCARD_MISPLACED: "{clause}: '*' diletakkan di akhir awal kata (banj* menemukan "
                                              "banjir, banjarmasin); yang dicari {word}",
            QueryNoteKind.EVERYTHING: "'*' saja menampilkan semua artikel, terbaru dahulu ('*' di akhir awal kata, "
                                      "seperti banj*, menemukan kata yang berawalan itu)",
            QueryNoteKind.STAR_IGNORED: "'*' yang berdiri sendiri di antara kata lain diabaikan ('*' di akhir awal "
                                        "kata, seperti banj*, menemukan kata yang berawalan itu)",
            QueryNoteKind.PREFIX_CUT: "{clause} hanya mewakili {count} kata tersering: {words}",
            QueryNoteKind.PREFIX_NOTHING: "tidak ada kata dalam indeks yang berawalan {prefix}",
            QueryNoteKind.DATES_REVERSED: "tanggalnya terbalik: tidak ada artikel dari {start} sampai {end}; "
                                          "tukar keduanya",
        },
        "summary": "<strong>{total}</strong> hasil ({seconds} detik) · menampilkan {first}–{last}",
        "order": {"relevansi": "menurut relevansi", "terbaru": "terbaru dahulu", "terlama": "terlama dahulu"},
        "download": "Unduh semua:",
        "why": "Mengapa cocok:",
        "aimed": {"judul": "judul", "isi": "isi"},
        "absent": "tidak ada",
        "pages": "Halaman",
        "previous": "‹ Sebelumnya",
        "next": "Berikutnya ›",
        "no_results": "Tidak ada hasil",
        "no_results_for": "Tidak ada hasil untuk “{typed}”.",
        "back": "‹ Kembali ke hasil",
        "facts": {"date": "Tanggal", "category": "Kategori", "source": "Sumber", "location": "Lokasi",
                  "author": "Penulis", "editor": "Editor", "url": "Asli", "captured": "Direkam",
                  "id": "ID"},
        "marked": "Kata pencarian ditandai:",
        "similar": "Artikel serupa",
        "error": "Kesalahan",
        "back_to_search": "Kembali ke pencarian",
        "errors": {
            400: "Permintaan tidak valid.",
            404: "Halaman atau artikel tidak ditemukan.",
            405: "Metode ini tidak didukung.",
            503: "Indeks sedang tidak dapat menjawab. Coba lagi sebentar lagi.",
            500: "Terjadi kesalahan di server.",
        },
        "days": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
        "months": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
                   "September", "Oktober", "November", "Desember"),
        "thousands": ".",
        "decimal": ",",
        "help": {
            "summary": "Cara mencari",
            "roots": "Kata dicocokkan menurut kata dasarnya: {milik} menemukan “memiliki” dan “dimiliki”.",
            "phrase": "frasa persis",
            "exclude": "tanpa artikel yang menyebut jakarta (juga <code>BUKAN</code>)",
            "both": "keduanya; <code>ATAU</code> salah satu; tanda kurung mengelompokkan",
            "title": "di judul; <code>isi:</code> di isi berita",
            "prefix": "kata yang berawalan “banj” (banjir, banjarmasin, banjar …: paling banyak 20 kata tersering, "
                      "masing-masing menurut kata dasarnya); paling sedikit 3 huruf sebelum <code>*</code>; "
                      "<code>*</code> saja menampilkan semua artikel, terbaru dahulu",
            "typos": "Salah ketik dikoreksi dari kosakata indeks (“Maksud Anda …?”).",
        },
    },
    "en": {
        "html_lang": "en",
        "site": "News Search",
        "title": "Search the news",
        "query_label": "Search words",
        "placeholder": 'e.g. banjir bekasi, "dinas kominfo", kategori:politik',
        "search": "Search",
        "sort": "Sort",
        "sorts": {"relevansi": "Relevance", "terbaru": "Newest", "terlama": "Oldest"},
        "from": "From",
        "to": "To",
        "from_example": "e.g. 2021-03",
        "to_example": "e.g. March 2021",
        "refine": "Filter: date, category, source …",
        "help_link": "Search help",
        "api": "API (OpenAPI)",
        "other_language": "Bahasa Indonesia",
        "lead": "Search {count} news articles.",
        "unreadable": "The search could not be read:",
        "filters": "Filters",
        "active": "Active filters",
        "remove_filter": "Remove filter",
        "remove_dates": "Remove date range",
        "date": "date",
        "filter_names": {"kategori": "category", "sumber": "source", "penulis": "author", "lokasi": "location"},
        "facets": {"category": "Category", "source": "Source", "author": "Author", "location": "Location"},
        "per": {"bulan": "By month", "tahun": "By year"},
        "per_list": {"bulan": "List by month", "tahun": "List by year"},
        "per_aria": {"bulan": "Results per month", "tahun": "Results per year"},
        "results": "Results",
        "nothing_for": "No results for “{typed}”; showing results for",
        "did_you_mean": "Did you mean",
        "stop_words": "Common words not searched: {words}.",
        "excluded": "Excluded: articles that contain {words}.",
        "notes": "Notes:",
        "note_kinds": {kind: kind.value for kind in QueryNoteKind},
        "summary": "<strong>{total}</strong> results ({seconds} seconds) · showing {first}–{last}",
        "order": {"relevansi": "by relevance", "terbaru": "newest first", "terlama": "oldest first"},
        "download": "Download all:",
        "why": "Why it matched:",
        "aimed": {"judul": "title", "isi": "body"},
        "absent": "none",
        "pages": "Pages",
        "previous": "‹ Previous",
        "next": "Next ›",
        "no_results": "No results",
        "no_results_for": "No results for “{typed}”.",
        "back": "‹ Back to the results",
        "facts": {"date": "Date", "category": "Category", "source": "Source", "location": "Location",
                  "author": "Author", "editor": "Editor", "url": "Original", "captured": "Captured",
                  "id": "ID"},
        "marked": "Search words marked:",
        "similar": "Similar articles",
        "error": "Error",
        "back_to_search": "Back to the search",
        "errors": {
            400: "Bad request.",
            404: "Page or article not found.",
            405: "This method is not supported.",
            503: "The index cannot answer now. Try again in a moment.",
            500: "Something went wrong on the server.",
        },
        "days": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        "months": ("January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December"),
        "thousands": ",",
        "decimal": ".",
        "help": {
            "summary": "How to search",
            "roots": "Words match by their root: {milik} finds “memiliki” and “dimiliki”.",
            "phrase": "the exact phrase",
            "exclude": "without articles that mention jakarta (also <code>BUKAN</code>, <code>NOT</code>)",
            "both": "both; <code>ATAU</code>/<code>OR</code> either; brackets group",
            "title": "in the title; <code>isi:</code> in the body",
            "prefix": "words that begin with “banj” (banjir, banjarmasin, banjar …: the 20 most frequent at most, "
                      "each by its root); at least 3 letters before the <code>*</code>; "
                      "<code>*</code> alone lists every article, newest first",
            "typos": "Typos are corrected from the index's vocabulary (“Did you mean …?”).",
        },
    },
}


def language(value: str | None) -> str:
    """The page's language from ``?lang=``: ``en`` or the default; anything else is the default."""
    return value if value in LABELS else DEFAULT


def note_text(note: QueryNote, words: dict) -> str:
    """``note`` in the page's language (``words``: one language's labels), plain text (escaped by the template)."""
    return words["note_kinds"][note.kind].format(**note.values)
