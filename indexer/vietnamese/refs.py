"""Document numbers (số ký hiệu) cited in text, and a matching key forgiving how users type them."""

from __future__ import annotations

import re

from indexer.vietnamese.text import fold, nfc

# number, "-" or "/", optional "/2025/" year part, then symbol parts joined by "-" or "/".
# Each piece is a bounded run of one character class, so matching stays linear on long lines.
_REF = re.compile(
    r"(?<![\w/.,-])(\d{1,5})([-/])(?:(\d{4})/)?"
    r"([^\W\d_]\w{0,15}(?:[-/][^\W\d_]\w{0,15}){0,4})(?!\w)"
)
# what a user types: "35 NQ/TW", "35-nq/tw", "11-QDi/TW", "202/2025/qh15"
_LOOSE = re.compile(
    r"(?<![\w/])(\d{1,5})\s*[-/ ]\s*(?:(\d{4})\s*/\s*)?"
    r"([a-z]\w{0,15}(?:\s*[-/]\s*[a-z]\w{0,15}){0,4})(?!\w)"
)
_SPLIT = re.compile(r"[\s\-/]+")


def _is_symbol_part(part: str) -> bool:
    """A symbol part is mostly upper case: "NQ", "QĐi", "TTr", "UBTVQH15" yes; "Điều", "Hà" no."""
    letters = [ch for ch in part if ch.isalpha()]
    upper = sum(ch.isupper() for ch in letters)
    return bool(letters) and part[0].isupper() and upper > len(letters) - upper


def _symbol(raw: str) -> str:
    """Keep the leading symbol parts that look like a symbol, with their separators."""
    pieces = re.split(r"([-/])", raw)
    kept = ""
    for i in range(0, len(pieces), 2):
        if not _is_symbol_part(pieces[i]):
            break
        kept += (pieces[i - 1] if i else "") + pieces[i]
    return kept


def ref_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, number) of each document number cited in `text` (nfc), as written.

    >>> ref_spans("theo Nghị quyết 35-NQ/TW.")
    [(16, 24, '35-NQ/TW')]
    """
    found = []
    for m in _REF.finditer(text):
        number, sep, year, raw = m.groups()
        symbol = _symbol(raw)
        if not symbol or ("/" not in f"{sep}{symbol}" and not year):
            continue
        ref = f"{number}{sep}{year}/{symbol}" if year else f"{number}{sep}{symbol}"
        found.append((m.start(), m.start() + len(ref), ref))
    return found


def extract_refs(text: str) -> list[str]:
    """Document numbers cited in `text`, as written, in order, without repeats.

    >>> extract_refs("Nghị quyết số 35-NQ/TW ngày 22/10/2018 và Tờ trình số 394/TTr-CP")
    ['35-NQ/TW', '394/TTr-CP']
    """
    # "5-Điều", "12-HD" alone: no symbol or no issuer part (ref_spans leaves them out)
    return list(dict.fromkeys(ref for _, _, ref in ref_spans(nfc(text))))


def normalise_ref(s: str) -> str:
    """Matching key of a document number: accents, case, spaces and separators forgiven.

    >>> normalise_ref("35 NQ/TW") == normalise_ref("35-nq/tw") == normalise_ref("35-NQ/TW")
    True
    >>> normalise_ref("11-QDi/TW") == normalise_ref("11-QĐi/TW")
    True
    """
    parts = [p for p in _SPLIT.split(fold(s.strip())) if p]
    return "-".join(p.lstrip("0") or "0" if p.isdigit() else p for p in parts)


def query_refs(query: str) -> list[str]:
    """Matching keys of document numbers typed in a query, however they are spelled.

    >>> query_refs("quy dinh 11 qdi/tw ve tiep dan")
    ['11-qdi-tw']
    """
    keys: list[str] = []
    for m in _LOOSE.finditer(fold(query)):
        number, year, symbol = m.groups()
        if "/" not in m.group(0):
            continue  # "35 nq" alone is too weak: "/" marks a document number
        key = normalise_ref(f"{number}-{year or ''}-{symbol}")
        if key not in keys:
            keys.append(key)
    return keys
