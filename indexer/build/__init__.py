"""Writing an index: scan, parse and embed (here or on Ray), then publish a new version; uploads
through the service (`uploads`)."""

from .build import BuildReport, build_index

__all__ = ["BuildReport", "build_index"]
