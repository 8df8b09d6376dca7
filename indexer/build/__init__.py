"""Writing an index: scan, parse and embed (here or on Ray), then publish a new version; uploads
through the service (`uploads`)."""

from .build import BuildReport, build_index
from .uploads import CorpusUnknown, DocumentNotFound, NotAnUpload, UploadTooLarge

__all__ = [
    "BuildReport",
    "CorpusUnknown",
    "DocumentNotFound",
    "NotAnUpload",
    "UploadTooLarge",
    "build_index",
]
