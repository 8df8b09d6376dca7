"""From a file to passages: format readers (`parsers`), assembly with header metadata and
section structure, then chunking into citable passages."""

from .assemble import assemble
from .chunk import chunk
from .parsers import read, read_bytes

__all__ = ["assemble", "chunk", "read", "read_bytes"]
