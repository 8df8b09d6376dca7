"""Domain errors, raised deep and translated at the edges (CLI line, HTTP 4xx)."""


class VankienError(Exception):
    """Base class: the message is meant for a user and says what to do next."""


class UnsupportedFormat(VankienError):
    """A file whose content is not a format vankien reads."""


class UnreadableFile(VankienError):
    """A file of a known format that cannot be read (corrupt, encrypted, empty, bad encoding)."""


class IndexNotFound(VankienError):
    """No complete index at the given folder."""


class IndexMismatch(VankienError):
    """The index was built with another model, dimension or format than the settings ask for."""


class IndexCorrupt(VankienError):
    """An index file is missing or truncated."""


class IndexWriteError(VankienError):
    """The index folder cannot be written (read-only, disk full)."""


class BadQuery(VankienError):
    """A query or filter the service cannot answer (empty, too long, malformed)."""


class BackendUnavailable(VankienError):
    """The search engine holding the vectors (Milvus) cannot be reached or refused a call."""


class NothingToIndex(VankienError):
    """No file under the folders could be read; `skipped` names each one with its reason."""

    def __init__(self, message: str, skipped: list[tuple[str, str]]):
        super().__init__(message)
        self.skipped = skipped
