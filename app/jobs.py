"""Writes started from the admin page, run in a background thread under the writer lock; their
progress (phase, done, total), result or error is kept here for the page to poll."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from indexer import BuildReport, Embedder
from indexer.build import progress as build_progress
from indexer.errors import VankienError

from . import admin

# the job's own phases; a build's ("files", "ocr", "passages", …) are named as the CLI and the
# starting service name them (indexer/build/progress.py)
PHASES = {"waiting": "Đang chờ lượt ghi", "publishing": "Đưa chỉ mục mới vào phục vụ",
          "done": "Xong", "failed": "Lỗi"}  # fmt: skip
log = logging.getLogger("vankien.app")
KEEP = 50  # finished jobs remembered, newest first
ERRORS = {  # VankienError.code → what the admin page says; {name} is the file's name
    "upload_too_large": "Tệp “{name}” quá lớn: tối đa {size} (VANKIEN_MAX_UPLOAD_BYTES).",
    "document_too_large": "Văn bản “{name}” quá dài: có {count} {what}, tối đa {limit} "
                          "({setting}). Hãy tách văn bản thành nhiều tệp.",
    "unsupported_format": "Tệp “{name}” không phải văn bản đọc được: chỉ nhận .docx, .pdf, "
                          ".doc, .rtf, .odt, .txt, .md (xét theo nội dung tệp).",
    "unreadable_file": "Không đọc được tệp “{name}”: tệp hỏng, có mật khẩu, rỗng hoặc sai "
                       "bảng mã. Không có gì được lưu.",
    "access_level_conflict": "Tệp “{name}” đã được lập chỉ mục ở mức truy cập {level}: hãy đổi "
                             "mức truy cập của văn bản đó trong danh sách bên dưới.",
    "document_not_found": "Không có văn bản này trong chỉ mục (có thể đã bị xóa).",
    "not_an_upload": "Văn bản này thuộc thư mục kho văn bản, không phải tệp tải lên: hãy xóa "
                     "hoặc sửa tệp trong thư mục đó rồi lập lại chỉ mục.",
    "corpus_unknown": "Không rõ thư mục kho văn bản của chỉ mục: hãy khởi động dịch vụ với "
                      "VANKIEN_CORPUS chỉ đến các thư mục đó.",
    "index_write_error": "Không ghi được vào thư mục chỉ mục (chỉ đọc hoặc hết chỗ trên đĩa).",
    "out_of_range": "Mức truy cập phải từ 0 đến {limit}.",
    "invalid": "Mức truy cập phải là số nguyên từ 0 trở lên (0 = công khai).",
    "nothing_to_index": "Không đọc được tệp nào trong kho văn bản.",
    "backend_unavailable": "Không kết nối được máy chủ lưu vectơ (Milvus).",
}
def size_text(n: int) -> str:
    """A byte limit as the page says it.

    >>> size_text(20 * 1024 * 1024), size_text(1536 * 1024), size_text(100_000)
    ('20 MB', '1,5 MB', '100.000 byte')
    """
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f}".removesuffix(".0").replace(".", ",") + " MB"
    return f"{n:,}".replace(",", ".") + " byte"


WHAT = {"chars": "ký tự", "paragraphs": "đoạn", "passages": "đoạn trích"}


def vietnamese_error(exc: BaseException, name: str = "") -> str:
    """The admin page's sentence for a failed write, chosen by the error's code, never by its
    English message: 'Tệp “x.png” không phải văn bản đọc được: …'."""
    if not isinstance(exc, VankienError):
        return "Máy chủ gặp lỗi khi lập chỉ mục; lỗi đã được ghi vào nhật ký dịch vụ."
    text = ERRORS.get(exc.code)
    if text is None:
        return f"Không thực hiện được (mã lỗi {exc.code})."
    values = {k: f"{v:,}".replace(",", ".") if isinstance(v, int) else v
              for k, v in exc.details.items()}  # fmt: skip
    limit = exc.details.get("limit")
    if not name:  # a refusal of the whole form: no file to name
        text = text.replace(" “{name}”", "")
    values |= {"name": name, "what": WHAT.get(str(exc.details.get("what")), ""),
               "size": size_text(limit) if isinstance(limit, int) else "?"}
    try:
        return text.format_map(values)
    except (KeyError, ValueError):
        return text.split(":")[0] + "."


@dataclass
class Job:
    """One write and where it is: `phase` one of PHASES; `done` of `total` in that phase."""

    id: str
    kind: str
    label: str
    phase: str = "waiting"
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.time)
    finished: float | None = None
    result: dict | None = None  # the last build's summary (BuildOut)
    notes: list[str] = field(default_factory=list)  # what each step did, in Vietnamese
    errors: list[str] = field(default_factory=list)  # what failed, in Vietnamese
    error_codes: list[str] = field(default_factory=list)
    tracker: build_progress.BuildProgress = field(default_factory=build_progress.BuildProgress,
                                                  repr=False)  # fmt: skip

    def update(self, phase: str, done: int, total: int) -> None:
        """The build's progress callback."""
        self.phase, self.done, self.total = phase, done, total
        self.tracker.update(phase, done, total)

    def record(self) -> dict:
        """The job as /admin/jobs/{id} answers it; `eta_s`: seconds left in a build phase,
        once a rate is known."""
        record = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "tracker"}
        now = self.tracker.snapshot()
        building = self.finished is None and self.phase in build_progress.BUILDING
        eta = now.eta if building and now.phase == self.phase else None
        return record | {"notes": list(self.notes), "errors": list(self.errors),
                         "error_codes": list(self.error_codes), "phase_label": phase_label(
                             self.phase), "running": self.finished is None,
                         "eta_s": None if eta is None else round(eta, 1),
                         "eta": None if eta is None else build_progress.duration(eta)}  # fmt: skip


def phase_label(phase: str) -> str:
    """'Nhúng đoạn', 'Đang chờ lượt ghi', …: the build's names, capitalised, and the job's."""
    text = PHASES.get(phase) or build_progress.label(phase)
    return text[:1].upper() + text[1:]


class Jobs:
    """The app's jobs, newest first; one write runs at a time (the writer lock)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def recent(self) -> list[Job]:
        with self._lock:  # a request may be adding one meanwhile
            return self._newest()

    def _newest(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda j: j.started, reverse=True)

    def add(self, kind: str, label: str) -> Job:
        job = Job(uuid.uuid4().hex[:16], kind, label)
        with self._lock:
            self._jobs[job.id] = job
            old = [j.id for j in self._newest() if j.finished is not None][KEEP:]
            for key in old:
                self._jobs.pop(key, None)
        return job


def jobs_of(state) -> Jobs:
    """The app's job list, made on first use (state is app.state)."""
    with _made:
        if getattr(state, "admin_jobs", None) is None:
            state.admin_jobs = Jobs()
        return state.admin_jobs


_made = threading.Lock()
Step = Callable[[Embedder, Callable[[str, int, int], None]], tuple[str, BuildReport | None]]


def start(state, job: Job, steps: list[tuple[str, Step]]) -> None:
    """Run `steps` (each: a file name, and a write given the build's embedder and a progress
    callback, returning a note and its build report) one after the other in a thread, under
    the writer lock, serving the new index after each; a failed step is reported in
    Vietnamese and the next one still runs."""

    def run() -> None:
        try:
            with state.writer_lock:
                for name, step in steps:
                    _step(state, job, name, step, job.update)
            job.phase = "failed" if job.errors and not job.notes else "done"
        finally:
            job.finished = time.time()

    threading.Thread(target=run, name=f"admin-job-{job.id}", daemon=True).start()


def _step(state, job: Job, name: str, step: Step, progress) -> None:
    job.phase, job.done, job.total = "files", 0, 0
    try:
        note, report = step(admin._build_embedder(state), progress)
        job.phase = "publishing"
        admin._serve_current(state, admin._embedder(state))
    except Exception as exc:  # noqa: BLE001 - said on the page; the unforeseen also logged
        job.errors.append(vietnamese_error(exc, name))
        job.error_codes.append(getattr(exc, "code", "error"))
        if not isinstance(exc, VankienError):
            log.exception("admin job %s failed on %r", job.id, name)
        return
    job.notes.append(note)
    if report is not None:
        job.result = admin.build_out(report).model_dump()
