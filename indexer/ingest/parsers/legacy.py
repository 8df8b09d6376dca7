"""Word 97–2003 (.doc), RTF and OpenDocument (.odt) files, converted to .docx by LibreOffice
headless in a temporary folder and read by the .docx reader, so footnotes and list numbering
survive. A conversion that fails or hangs is that file's error, named like any other."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from indexer.errors import UnreadableFile, UnsupportedFormat
from indexer.model import RawDocument

CONVERT_TIMEOUT = 120.0  # seconds; a default for callers without settings
# LibreOffice's import filters for each kind, tried in turn: naming them keeps a damaged .doc
# from being "converted" as plain text of its bytes (Word 6.0/95 files need their own)
_FILTERS = {"doc": ("MS Word 97", "MS WinWord 6.0"), "rtf": ("Rich Text Format",),
            "odt": ("writer8",)}  # fmt: skip
_NAMES = {"doc": ".doc", "rtf": ".rtf", "odt": ".odt"}


def office() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def needs_office(kind: str) -> str:
    return (f"định dạng {_NAMES[kind]} cần LibreOffice: cài libreoffice-writer-nogui "
            "(`make readers`, cần quyền root) hoặc lưu tệp thành .docx")  # fmt: skip


def to_docx(data: bytes, kind: str, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """The .docx LibreOffice makes of a .doc/.rtf/.odt file's bytes."""
    program = office()
    if program is None:
        raise UnsupportedFormat(needs_office(kind))
    with tempfile.TemporaryDirectory(prefix="vankien-office-") as tmp:
        folder = Path(tmp)
        source = folder / f"input{_NAMES[kind]}"
        source.write_bytes(data)
        result = folder / "out" / "input.docx"
        for name in _FILTERS[kind]:
            command = [
                program, "--headless", "--norestore", "--nolockcheck", "--nodefault",
                # a profile of its own: conversions can run side by side, none touches $HOME
                f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                f"--infilter={name}", "--convert-to", "docx:MS Word 2007 XML",
                "--outdir", str(folder / "out"), str(source),
            ]  # fmt: skip
            _run(command, timeout, kind)
            if result.is_file() and result.stat().st_size > 0:
                return result.read_bytes()
        raise UnreadableFile(
            f"LibreOffice không đọc được tệp {_NAMES[kind]} này (hỏng hoặc có mật khẩu): "
            "mở bằng Word và lưu lại thành .docx"
        )


def _run(command: list[str], timeout: float, kind: str) -> None:
    """Run LibreOffice in its own process group, so a hung conversion is killed whole."""
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          start_new_session=True) as process:  # fmt: skip
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise UnreadableFile(
                f"LibreOffice chuyển đổi tệp {_NAMES[kind]} quá {timeout:g} giây và đã bị dừng: "
                "tệp có thể hỏng; lưu lại thành .docx"
            ) from exc


def parse_legacy(data: bytes, kind: str, timeout: float = CONVERT_TIMEOUT) -> RawDocument:
    """Blocks and footnotes of a .doc, .rtf or .odt file, read through its .docx conversion."""
    from indexer.ingest.parsers.docx import parse_docx

    doc = parse_docx(to_docx(data, kind, timeout))
    return RawDocument(blocks=doc.blocks, footnotes=doc.footnotes, format=kind)
