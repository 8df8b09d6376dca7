"""vankien's library: build an index of văn kiện and query it.

>>> from indexer import Index, Settings, build_index

The pipeline's stages are sub-packages, each importing only those below it (the import-linter
contract in pyproject.toml): `vietnamese` (text as data), `ingest` (file → passages),
`storage` (the index folder and its backends), `build` and `query` (writing and reading an
index; neither imports the other), `present` (what users see).
"""

from .build import BuildReport, build_index
from .config import Settings, get_settings
from .embed import Embedder, load_embedder
from .errors import VankienError
from .model import Answer, DocInfo, Filters, Hit, Passage
from .query import Index, SearchResult

__all__ = [
    "Answer",
    "BuildReport",
    "DocInfo",
    "Embedder",
    "Filters",
    "Hit",
    "Index",
    "Passage",
    "SearchResult",
    "Settings",
    "VankienError",
    "build_index",
    "get_settings",
    "load_embedder",
]
