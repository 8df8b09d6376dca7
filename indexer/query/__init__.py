"""Reading an index: open it, plan and fuse a search, classify a question and pull its answer."""

from .index import Index, SearchResult

__all__ = ["Index", "SearchResult"]
