"""vankien's library: build an index of văn kiện and query it.

>>> from indexer import Index, Settings, build_index

The pipeline's stages are sub-packages, each importing only those below it (the import-linter
contract in pyproject.toml): `vietnamese` (text as data), `ingest` (file → passages),
`storage` (the index folder and its backends), `build` and `query` (writing and reading an
index; neither imports the other), `present` (what users see).
"""

from importlib import import_module
from typing import TYPE_CHECKING

# Where each name lives; imported on first use, so `import indexer.x` (the CLI answering through
# a running service, `vankien --version`) does not load the readers, FAISS and the query side.
_HOMES = {
    "BuildReport": ".build", "build_index": ".build",
    "Settings": ".config", "get_settings": ".config",
    "Embedder": ".embed", "load_embedder": ".embed",
    "VankienError": ".errors",
    "Answer": ".model", "DocInfo": ".model", "Filters": ".model", "Hit": ".model",
    "Passage": ".model",
    "Index": ".query", "SearchResult": ".query",
}  # fmt: skip
__all__ = sorted(_HOMES)

if TYPE_CHECKING:  # for type checkers and editors; at run time, __getattr__
    from .build import BuildReport, build_index  # noqa: F401
    from .config import Settings, get_settings  # noqa: F401
    from .embed import Embedder, load_embedder  # noqa: F401
    from .errors import VankienError  # noqa: F401
    from .model import Answer, DocInfo, Filters, Hit, Passage  # noqa: F401
    from .query import Index, SearchResult  # noqa: F401


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'indexer' has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value
