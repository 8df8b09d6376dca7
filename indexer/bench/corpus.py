"""Bench corpora: real sentences from real documents, recombined into as many passages as asked.

Each real sentence is segmented once; a synthetic passage's lexical keys (and its words) are
those of its context prefix and sentences put together, so a million passages cost no more
segmentation than the few thousand sentences they are made of.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..build.build import scan
from ..errors import VankienError
from ..ingest.assemble import assemble
from ..ingest.chunk import chunk
from ..ingest.parsers import read
from ..model import Document
from ..vietnamese.keys import folded_keys, word_keys
from ..vietnamese.segment import sentences as split_sentences
from ..vietnamese.wordspans import located_words, pack, word_flags

DOC_SIZE = 200  # passages per synthetic document


@dataclass(frozen=True)
class Sentence:
    text: str
    doc: int  # index into Pool.docs
    section: str
    accented: tuple[str, ...]
    folded: tuple[str, ...]
    words: np.ndarray | None = None  # where its words are (wordspans.word_flags)


@dataclass(frozen=True)
class Pool:
    """Real documents and their sentences, each with its lexical keys computed once."""

    docs: list[Document]
    sentences: list[Sentence]


@dataclass
class Synthetic:
    """N recombined passages, column by column (cheap at a million rows)."""

    doc_of: np.ndarray  # synthetic document number of each passage
    parts: list[tuple[int, ...]]  # sentence numbers of each passage
    docs: int


def read_documents(folders: list[Path]) -> list[Document]:
    """Every readable document under the folders (the unreadable ones are skipped)."""
    docs = []
    for i, path in enumerate(scan(folders).values()):
        try:
            docs.append(assemble(read(path), doc_id=f"d{i}", source=path.name))
        except (VankienError, OSError):
            continue
    return [d for d in docs if d.blocks]


def sentence_pool(docs: list[Document], limit: int | None = None) -> Pool:
    """Sentences of the documents' paragraphs, footnotes and table rows, with their keys.

    >>> sentence_pool([]).sentences
    []
    """
    found: list[Sentence] = []
    for d, doc in enumerate(docs):
        for passage in chunk(doc):
            for text in split_sentences(passage.text):
                if len(text) >= 20 and (limit is None or len(found) < limit):
                    found.append(
                        Sentence(
                            text,
                            d,
                            passage.section,
                            tuple(word_keys(text)),
                            tuple(folded_keys(text)),
                            word_flags(text, located_words(text)),
                        )
                    )
    return Pool(docs, found)


def synthesize(pool: Pool, n: int, seed: int = 0) -> Synthetic:
    """n passages of 1–3 random real sentences, grouped DOC_SIZE to a synthetic document."""
    if not pool.sentences:
        raise VankienError("no sentences to recombine: the bench corpus has no readable text")
    rng = np.random.default_rng(seed)
    counts = rng.choice([1, 2, 3], size=n, p=[0.3, 0.45, 0.25])
    picks = rng.integers(0, len(pool.sentences), size=int(counts.sum()))
    bounds = np.concatenate([[0], np.cumsum(counts)])
    parts = [tuple(picks[bounds[i] : bounds[i + 1]].tolist()) for i in range(n)]
    doc_of = np.arange(n) // DOC_SIZE
    return Synthetic(doc_of=doc_of, parts=parts, docs=int(doc_of[-1]) + 1 if n else 0)


def passage_text(pool: Pool, parts: tuple[int, ...]) -> str:
    return " ".join(pool.sentences[s].text for s in parts)


def passage_words(pool: Pool, parts: tuple[int, ...]) -> bytes | None:
    """The packed words of `passage_text`, from its sentences' (their units follow one another:
    a space joins them); None when a sentence's could not be kept."""
    flags = [pool.sentences[s].words for s in parts]
    return None if any(f is None for f in flags) else pack(np.concatenate(flags, axis=1))


def source_doc(pool: Pool, synthetic_doc: int) -> Document:
    """The real document whose metadata a synthetic document borrows."""
    return pool.docs[synthetic_doc % len(pool.docs)]


def prefix(pool: Pool, parts: tuple[int, ...]) -> str:
    """The context prefix an embedded passage carries: title and section of its first sentence."""
    first = pool.sentences[parts[0]]
    title = pool.docs[first.doc].meta.title or ""
    return " | ".join(p for p in (title, first.section) if p)


def embed_texts(pool: Pool, synthetic: Synthetic, count: int) -> list[str]:
    """What the embedder sees for the first `count` passages (prefix | text, as chunk builds)."""
    return [
        " | ".join(p for p in (prefix(pool, parts), passage_text(pool, parts)) if p)
        for parts in synthetic.parts[:count]
    ]


def sentence_texts(pool: Pool) -> list[str]:
    """What the embedder sees for a passage of one sentence, for every sentence of the pool."""
    return [
        " | ".join(p for p in (prefix(pool, (i,)), pool.sentences[i].text) if p)
        for i in range(len(pool.sentences))
    ]


def key_streams(pool: Pool, synthetic: Synthetic, stream: str) -> list[list[str]]:
    """One lexical stream ("accented" or "folded") for every passage, from the cached keys."""
    keyer = word_keys if stream == "accented" else folded_keys
    heads: dict[tuple[int, str], list[str]] = {}
    out = []
    for parts in synthetic.parts:
        first = pool.sentences[parts[0]]
        head = heads.get((first.doc, first.section))
        if head is None:
            head = heads[(first.doc, first.section)] = keyer(prefix(pool, parts))
        out.append(head + [k for s in parts for k in getattr(pool.sentences[s], stream)])
    return out
