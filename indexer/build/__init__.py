"""Writing an index: scan, parse and embed (here or on Ray), then publish a new version; uploads
through the service (`uploads`); how far a build has got (`progress`)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__all__ = ["BuildReport", "build_index"]

if TYPE_CHECKING:  # at run time, __getattr__: `progress` alone must not load the readers
    from .build import BuildReport, build_index  # noqa: F401


def __getattr__(name: str):
    if name not in __all__:
        raise AttributeError(f"module 'indexer.build' has no attribute {name!r}")
    value = getattr(import_module(".build", __name__), name)
    globals()[name] = value
    return value
