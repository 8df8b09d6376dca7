"""Vietnamese text as data: NFC and tone keys, folding, words and sentences, figures, document
numbers, and the keys lexical matching uses."""

from .keys import folded_keys, period_key, word_keys
from .numbers import find_numbers
from .refs import extract_refs, normalise_ref
from .text import clean, fold, match_form, nfc

__all__ = [
    "clean",
    "extract_refs",
    "find_numbers",
    "fold",
    "folded_keys",
    "match_form",
    "nfc",
    "normalise_ref",
    "period_key",
    "word_keys",
]
