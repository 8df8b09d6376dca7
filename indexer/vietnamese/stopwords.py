"""Function words: the one list of Vietnamese words that name no subject, and the part of it
each use leaves out of its matching (every stop-word set is a subset of these, checked here).

Typed without diacritics a syllable is ambiguous ("dau" is "đâu" but also "đầu"), so the folded
list is its own, shorter one.
"""

from __future__ import annotations

# Question and function words a question's content words are read without.
FUNCTION_WORDS = frozenset({
    "bao nhiêu", "mấy", "số", "số lượng", "tổng số", "tổng", "là", "gì", "nào", "ai", "ở", "đâu",
    "khi nào", "bao giờ", "của", "các", "những", "và", "với", "cho", "trong", "được", "đã", "có",
    "bị", "thì", "này", "đó", "về", "theo", "tại", "từ", "đến", "trên", "dưới", "vào", "ra",
    "hơn", "nhiêu", "bao", "thứ", "hạng", "kết quả", "tình hình", "như thế nào", "thế nào",
    "là gì", "hỏi", "cho biết", "hãy", "không", "hay", "hoặc", "một", "mỗi", "cả", "đạt", "khi",
    "vì", "do", "bởi", "để", "nhằm", "gây", "lên", "xuống", "được bao nhiêu", "xếp", "đứng",
    "xếp hạng", "so", "bằng", "tổng cộng", "còn", "khoảng",
})  # fmt: skip
# The same typed without diacritics: only those that stay unambiguous.
FUNCTION_WORDS_FOLDED = frozenset({
    "bao nhieu", "may", "so", "la", "gi", "nao", "cua", "cac", "nhung", "va", "voi", "duoc", "bi",
    "nay", "theo", "khi nao", "o dau", "ket qua", "tinh hinh", "hay", "hoac", "khong", "so luong",
    "tong so", "the nao", "nhu the nao", "khi", "ai", "co", "vi", "do", "gay", "de",
    "nham", "trong", "tai", "tu", "den", "ve", "cho", "dat", "mot", "moi", "xep", "dung", "thu",
    "nhieu", "tong", "bang",
})  # fmt: skip


def _among(words: str, vocabulary: frozenset[str]) -> frozenset[str]:
    """The words given, each of which must be in `vocabulary` (one list, not several)."""
    chosen = frozenset(words.split())
    if not chosen <= vocabulary:
        raise ValueError(f"not function words: {sorted(chosen - vocabulary)}")
    return chosen


# Highlights light up every query word but these particles: most other function words collide
# with content words once folded or tone-reconciled ("thì"/"thi hành", "có"/"cơ").
HIGHLIGHT_SKIPPED = _among("mấy là gì nào của và các những có được đã thì", FUNCTION_WORDS)
HIGHLIGHT_SKIPPED_FOLDED = _among("gi nao cua va cac nhung", FUNCTION_WORDS_FOLDED)

# A word right after a number that is not what the number counts ("120 và", "5% so với"):
# function words, and the verbs of change and share.
NOT_COUNTED = _among(
    "và của so với trong đạt là trên bằng được đã có thì tại theo từ đến còn các những này đó",
    FUNCTION_WORDS,
) | {"tăng", "giảm", "chiếm", "như"}
