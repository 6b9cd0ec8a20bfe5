"""Lines that are not part of an article: ads, cross-links, share prompts.

News text arrives wrapped in page furniture. These rules are shared by every
reader; they look at one line at a time and never at a particular outlet.
"""

from __future__ import annotations

import re

_BOILERPLATE = [
    r"baca\s+(juga|pula)\b",            # cross-links to other stories
    r"(simak|lihat|tonton)\s+juga\s*:",
    r"jangan\s+lewatkan\b",
    r"ikuti\s+perkembangan\s+berita",
    r"(penulis|reporter|pewarta|editor|redaktur|fotografer|sumber)\s*:",  # credit lines
    r"(penulis|reporter|pewarta|editor|redaktur)\s*$",
    r"copyright\b",
    r"\u00a9",
    r"iklan\b",                          # ad labels: "IKLAN GUBERNUR"
    r"advertisement\b",
    r"scroll\s+to\s+continue",
    r"bagikan\s*:?\s*$",                 # share prompts
    r"share\s*:?\s*$",
]
_BOILERPLATE_RE = re.compile(r"^\s*(?:" + "|".join(_BOILERPLATE) + r")", re.IGNORECASE)


def is_boilerplate(line: str) -> bool:
    """True if the whole line is page furniture rather than article text."""
    return bool(_BOILERPLATE_RE.match(line))


def clean_paragraphs(lines: list[str]) -> list[str]:
    """Drop boilerplate and empty lines; keep the order of the rest."""
    return [line.strip() for line in lines if line.strip() and not is_boilerplate(line)]


def clean_body(text: str) -> str:
    """Remove boilerplate lines from a body, keeping paragraphs apart by blank lines."""
    return "\n\n".join(clean_paragraphs(text.splitlines()))
