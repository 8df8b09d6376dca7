"""vankien's library: build an index of văn kiện and query it.

>>> from indexer import Index, Settings, build_index
"""

from .build.build import BuildReport, build_index
from .config import Settings, get_settings
from .errors import VankienError
from .model import Answer, Filters, Hit, Passage
from .query.index import DocInfo, Index, SearchResult

__all__ = [
    "Answer",
    "BuildReport",
    "DocInfo",
    "Filters",
    "Hit",
    "Index",
    "Passage",
    "SearchResult",
    "Settings",
    "VankienError",
    "build_index",
    "get_settings",
]
