"""underthesea word and sentence segmentation, loaded once and safely.

underthesea loads its models lazily on first use, and that first load is not thread-safe:
concurrent first calls from a web server crash. Every caller goes through here instead.
"""

from __future__ import annotations

import sys
import threading
from functools import lru_cache

_lock = threading.Lock()
_ready = False
# underthesea's optional pipelines (its `optional_imports`, 9.x), which `import underthesea`
# imports eagerly: torch and its models come with them (2–3 s, ~300 MB, and torch's OpenMP
# runtime in the process). Segmentation and tagging need none of them.
OPTIONAL_PIPELINES = (
    "underthesea.pipeline.classification", "underthesea.pipeline.sentiment",
    "underthesea.pipeline.lang_detect", "underthesea.pipeline.dependency_parse",
    "underthesea.pipeline.translate", "underthesea.agent", "underthesea.address",
)  # fmt: skip


def _import_without_pipelines() -> None:
    """`import underthesea` with its optional pipelines left out (it treats a pipeline that
    cannot be imported as absent); they stay importable by name afterwards."""
    if "underthesea" in sys.modules:
        return
    blocked = [name for name in OPTIONAL_PIPELINES if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # makes `import name` raise ImportError
    try:
        import underthesea  # noqa: F401
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


def _load() -> None:
    global _ready
    with _lock:
        if not _ready:
            _import_without_pipelines()
            from underthesea import pos_tag, sent_tokenize, word_tokenize

            word_tokenize("Khởi động bộ tách từ.")
            sent_tokenize("Khởi động. Bộ tách câu.")
            pos_tag("Khởi động bộ gán nhãn.")
            _ready = True


def load() -> None:
    """Load the segmenter and tagger now (a starting service does it beside its other loads)."""
    if not _ready:
        _load()


def words(text: str) -> list[str]:
    """Vietnamese words, compounds joined by a space.

    >>> words("Số đảng viên bị kỷ luật")
    ['Số', 'đảng viên', 'bị', 'kỷ luật']
    """
    if not _ready:
        _load()
    from underthesea import word_tokenize

    return word_tokenize(text)


def sentences(text: str) -> list[str]:
    """Sentences of a paragraph, as underthesea splits them.

    >>> sentences("Câu một. Câu hai.")
    ['Câu một.', 'Câu hai.']
    """
    if not _ready:
        _load()
    from underthesea import sent_tokenize

    return sent_tokenize(text)


@lru_cache(maxsize=256)
def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each sentence of `text`, split by underthesea and located in order;
    the one place sentences are found in a text (footnote sentences, long paragraphs split,
    the sentences answers are cut from).

    >>> text = "Kết nạp 120 đảng viên. Tăng 5%."
    >>> [text[a:b] for a, b in sentence_spans(text)]
    ['Kết nạp 120 đảng viên.', 'Tăng 5%.']
    """
    found: list[tuple[int, int | None]] = []
    pos = 0
    for sentence in sentences(text):
        words = sentence.split()
        if not words:
            continue
        start = text.find(sentence.strip(), pos)
        if start >= 0:
            found.append((start, start + len(sentence.strip())))
        else:  # the tokenizer changed the spacing: anchor on its first word, end at the next one
            start = text.find(words[0], pos)
            if start < 0:
                continue
            found.append((start, None))
        pos = start + len(words[0])
    if not found:
        return ()
    starts = [s for s, _ in found[1:]] + [len(text)]
    return tuple(
        (s, e if e is not None else nxt) for (s, e), nxt in zip(found, starts, strict=True)
    )


def tagged(text: str) -> list[tuple[str, str]]:
    """Words with their part of speech (N noun, Np name, V verb, A adjective, …).

    >>> tagged("kết nạp đảng viên mới")
    [('kết nạp', 'V'), ('đảng viên', 'N'), ('mới', 'R')]
    """
    if not _ready:
        _load()
    from underthesea import pos_tag

    return pos_tag(text)
