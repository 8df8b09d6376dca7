"""Domain errors, raised deep and translated at the edges (CLI line, HTTP 4xx, the page).

Each error carries a `code` (what went wrong, for programs: the API's JSON, the page's own
wording) and, when one input is at fault, its `field`; the message is for a person and says
what to do next. Edges translate by code and field, never by the English wording.

>>> err = BadQuery("the query is empty", field="q", code="empty")
>>> err.code, err.field, str(err)
('empty', 'q', 'the query is empty')
>>> IndexNotFound("no index").code
'index_not_found'
"""

from __future__ import annotations


class VankienError(Exception):
    """Base class: the message is meant for a user and says what to do next."""

    code = "error"

    def __init__(self, message: str = "", *, field: str | None = None, code: str | None = None,
                 **details: object) -> None:  # fmt: skip
        super().__init__(message)
        self.field = field
        self.details = details  # values a translation may need ("limit": 1000)
        if code is not None:
            self.code = code

    def as_dict(self) -> dict:
        """The error as the API answers it: {"error": {"code", "message", "field", …details}}.

        >>> BadQuery("too long", field="q", code="too_long", limit=9).as_dict()["error"]
        {'code': 'too_long', 'message': 'too long', 'field': 'q', 'limit': 9}
        """
        return error_body(self.code, str(self), self.field, **self.details)


def error_body(code: str, message: str, field: str | None = None, **details: object) -> dict:
    """The one shape of every JSON error: what (code, for programs), the message (for a
    person: what to do next), the input at fault, and values a program may use (`limit`)."""
    return {"error": {"code": code, "message": message, "field": field} | details}


class UnsupportedFormat(VankienError):
    """A file whose content is not a format vankien reads."""

    code = "unsupported_format"


class UnreadableFile(VankienError):
    """A file of a known format that cannot be read (corrupt, encrypted, empty, bad encoding)."""

    code = "unreadable_file"


class IndexNotFound(VankienError):
    """No complete index at the given folder."""

    code = "index_not_found"


class IndexMismatch(VankienError):
    """The index was built with another model, dimension or format than the settings ask for."""

    code = "index_mismatch"


class IndexCorrupt(VankienError):
    """An index file is missing or truncated."""

    code = "index_corrupt"


class IndexDiffers(VankienError):
    """A caller (the CLI) expects another index version than the one served."""

    code = "index_differs"


class IndexWriteError(VankienError):
    """The index folder cannot be written (read-only, disk full)."""

    code = "index_write_error"


class BadQuery(VankienError):
    """A query or filter the service cannot answer (empty, too long, malformed); `field` names
    the parameter ("q", "year", "offset", "doc_type", …) and `code` what is wrong with it
    ("empty", "too_long", "invalid")."""

    code = "invalid"


class BackendUnavailable(VankienError):
    """The search engine holding the vectors (Milvus) cannot be reached or refused a call."""

    code = "backend_unavailable"


class NothingToIndex(VankienError):
    """No file under the folders could be read; `skipped` names each one with its reason."""

    code = "nothing_to_index"

    def __init__(self, message: str, skipped: list[tuple[str, str]]):
        super().__init__(message)
        self.skipped = skipped


class UploadTooLarge(VankienError):
    """An upload above Settings.max_upload_bytes."""

    code = "upload_too_large"


class DocumentTooLarge(VankienError):
    """A document holding more characters, paragraphs or passages than Settings allow; `details`
    name the `limit`, what it counts (`what`) and the `setting`."""

    code = "document_too_large"


class AccessConflict(VankienError):
    """An upload whose bytes are those of a document at another access level, without the
    admin saying that the level changes (`change_access=true`)."""

    code = "access_level_conflict"


class ClientGone(VankienError):
    """The client sending an upload disconnected before it was indexed: nothing is kept."""

    code = "client_gone"


class DocumentNotFound(VankienError):
    """No document with that id in the index."""

    code = "document_not_found"


class NotAnUpload(VankienError):
    """A document from a corpus folder: it goes away when its file does."""

    code = "not_an_upload"


class CorpusUnknown(VankienError):
    """The folders behind the index are not known, and guessing would drop documents."""

    code = "corpus_unknown"


class TooManyAttempts(VankienError):
    """Too many wrong tokens from one client address; `retry_after` says how many seconds to
    wait (the service answers 429 with a Retry-After header)."""

    code = "too_many_attempts"
