"""Reading an index: open it, plan and fuse a search, classify a question and pull its answer."""

from .index import DocInfo, Index, SearchResult

__all__ = ["DocInfo", "Index", "SearchResult"]
