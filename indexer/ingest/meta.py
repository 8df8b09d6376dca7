"""Header metadata of a văn kiện: issuer, số ký hiệu, place and date, type, title and period."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from indexer.ingest.structure import marker_kind
from indexer.model import DocMeta, RawBlock
from indexer.vietnamese.periods import parse_period
from indexer.vietnamese.text import clean, fold, match_form

_TYPES = {
    fold(t): t
    for t in (
        "Báo cáo|Nghị quyết|Chỉ thị|Kết luận|Chương trình|Kế hoạch|Công văn|Quy định|Quyết định|"
        "Hướng dẫn|Thông báo|Tờ trình|Đề án|Quy chế|Thông tri|Chương trình hành động"
    ).split("|")
}
_SYMBOL_TYPES = {
    "nq": "Nghị quyết",
    "bc": "Báo cáo",
    "ct": "Chỉ thị",
    "kl": "Kết luận",
    "qđ": "Quyết định",
    "qđi": "Quy định",
    "hd": "Hướng dẫn",
    "ctr": "Chương trình",
    "kh": "Kế hoạch",
    "cv": "Công văn",
    "tb": "Thông báo",
    "ttr": "Tờ trình",
    "đa": "Đề án",
    "qc": "Quy chế",
}
_IGNORED = {
    "dang cong san viet nam",
    "cong hoa xa hoi chu nghia viet nam",
    "doc lap tu do hanh phuc",
}
_STOP_TITLE = {"quyet nghi", "quyet dinh", "ket luan"}
_BODY_START = ("can cu", "xet ", "thuc hien", "kinh gui")
_NUMBER = re.compile(  # "§ố": OCR's reading of a specked "Số" on a scan
    r"^[S§]ố\s*:?\s*(?=[\d\-/])(\d{0,5})\s*([-/])?\s*((?:\d{4}/)?[^\W\d_]\w*(?:\s*[-/]\s*\w+){0,5})?"
)
_DATE = re.compile(
    r"(?:^|[\s,])([^\W\d_][^,\d]{0,40}),\s*ngày\s*(\d{1,2})?\s*tháng\s*(\d{1,2})?\s*năm\s*(\d{4})"
)
@dataclass
class _Header:
    """What the header scan has gathered so far."""

    issuer: list[str] = field(default_factory=list)
    issuer_closed: bool = False
    title: list[str] = field(default_factory=list)
    symbol: str | None = None
    number: str | None = None
    doc_type: str | None = None
    place: str | None = None
    date: str | None = None
    draft: bool = False
    in_title: bool = False


def _lines(block: RawBlock | str) -> list[str]:
    """Lines of a header block; a table gives its cells' lines row by row."""
    if isinstance(block, str):
        texts = [block]
    elif block.kind == "table" and block.rows:
        texts = [cell for row in block.rows for cell in row]
    else:
        texts = [block.text]
    pieces = [x for t in texts for x in re.split(r"[\n\t]", t)]
    return [clean(x.replace("\\", "")) for x in pieces]


def _strip(line: str) -> str:
    return line.strip(" *_:").strip()


def _is_caps(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters)


def _key(line: str) -> str:
    return " ".join(re.findall(r"\w+", fold(line)))


def _kind(line: str) -> str:
    """Classify one header line: skip, draft, number, date, type, vv, caps, marker or text."""
    key = _key(line)
    if not key or key in _IGNORED:
        return "skip"
    if key.startswith("du thao") and len(key) <= 30:
        return "draft"
    if _NUMBER.match(line) and len(line) < 120:
        return "number"
    if _DATE.search(line):
        return "date"
    if key.startswith("v v "):
        return "vv"
    if _is_caps(line) and key in _TYPES:
        return "type"
    if marker_kind(line):
        return "marker"
    return "caps" if _is_caps(line) and len(line) <= 150 else "text"


def _read_number(h: _Header, line: str) -> None:
    m = _NUMBER.match(line)
    if m is None:
        return
    digits, sep, symbol = m.groups()
    symbol = re.sub(r"\s+", "", symbol or "")
    h.symbol = symbol or None
    if digits and symbol:
        h.number = f"{digits}{sep or '-'}{symbol}"


def _read_date(h: _Header, line: str) -> None:
    m = _DATE.search(line)
    if m is None:
        return
    place, day, month, year = m.groups()
    words: list[str] = []
    # keep the trailing capitalised words: "Số -BC/TU Hậu Giang" → "Hậu Giang"
    for word in reversed(place.split()):
        if not (word[:1].isupper() and word.rstrip(".").isalpha()):
            break
        words.insert(0, word)
    h.place = " ".join(words) or None
    h.date = (
        year
        + (f"-{int(month):02d}" if month else "")
        + (f"-{int(day):02d}" if month and day else "")
    )


_BODIES = sorted(
    "Ban Chấp hành Trung ương Đảng|Ban Chấp hành Trung ương|Ủy ban Thường vụ Quốc hội|"
    "Ban Thường vụ|Ban Chấp hành|Bộ Chính trị|Ban Bí thư|Tỉnh ủy|Thành ủy|Huyện ủy|Quận ủy|"
    "Thị ủy|Đảng ủy|Đảng bộ|Chi bộ|Đảng đoàn|Ban Cán sự đảng|Ủy ban Kiểm tra|Ủy ban nhân dân|"
    "Hội đồng nhân dân|Ban Tuyên giáo|Ban Tổ chức|Ban Dân vận|Ban Nội chính|Văn phòng|Quốc hội|"
    "Chính phủ|Trung ương|Mặt trận Tổ quốc Việt Nam|Ủy ban|tỉnh|thành phố|huyện|quận|thị xã|"
    "xã|phường|thị trấn|khối|các cơ quan|và".split("|"),
    key=lambda p: -len(p.split()),
)
_BODY_KEYS = [
    ([match_form(s) for s in p.split()], [s[0].isupper() for s in p.split()]) for p in _BODIES
]


def title_case_issuer(line: str) -> str:
    """Vietnamese capitalisation of an all-caps issuing body.

    >>> title_case_issuer("BAN CHẤP HÀNH TRUNG ƯƠNG"), title_case_issuer("TỈNH ỦY HẬU GIANG")
    ('Ban Chấp hành Trung ương', 'Tỉnh ủy Hậu Giang')
    """
    words = line.lower().split()
    keys = [match_form(w) for w in words]
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase, caps in _BODY_KEYS:
            if keys[i : i + len(phrase)] == phrase:
                out += [
                    w[:1].upper() + w[1:] if c else w
                    for w, c in zip(words[i : i + len(caps)], caps, strict=True)
                ]
                i += len(phrase)
                break
        else:  # a place or proper name
            out.append(words[i][:1].upper() + words[i][1:])
            i += 1
    text = " ".join(out)
    return text[:1].upper() + text[1:]


def _continues_title(h: _Header, line: str, kind: str) -> bool:
    """Does `line` carry on the trích yếu? Same case style, short, not a sentence or the issuer."""
    key = _key(line)
    if kind not in ("caps", "text") or len(h.title) >= 4 or len(line) > 200:
        return False
    if key in _STOP_TITLE or key.startswith(_BODY_START) or line.endswith((".", ";", ":", ",")):
        return False
    if h.issuer and match_form(line) == match_form(" ".join(h.issuer)):
        return False
    if _is_caps(h.title[-1]):
        return kind == "caps"
    return kind == "text" and (line[:1].islower() or line[:1].isdigit())


def _period(title: str, date: str | None) -> tuple[str | None, int | None]:
    """Reporting period named in the title, as written (lower case), and its year.

    >>> _period("VỀ VIỆC SẮP XẾP … NĂM 2025", None)
    ('năm 2025', 2025)
    >>> _period("Kết quả 6 tháng đầu năm và phương hướng 6 tháng cuối năm 2024", None)
    ('6 tháng đầu năm 2024', 2024)
    """
    date_year = int(date[:4]) if date else None
    period = parse_period(title)
    if period is None or period.start is None:
        return None, date_year
    written = period.written if str(period.year) in period.written else period.label
    written = re.sub(r"(?<=quý )[ivx]+", lambda m: m.group(0).upper(), written.lower())
    if period.kind in ("nhiệm kỳ", "giai đoạn"):  # the year written when inside it, else its first
        inside = date_year is not None and period.start.year <= date_year <= period.end.year
        return written, date_year if inside else period.start.year
    return written, period.year


_BODY_WORDS = {"uy", "ban", "bo", "hoi", "phu", "phong", "uong", "doan"}


def _caps_line(h: _Header, line: str) -> bool:
    """An all-caps line above the type line: the issuer, a type with words after it, or noise."""
    key = _key(line)
    found = next((k for k in _TYPES if key.startswith(k + " ")), None)
    if found:  # "BÁO CÁO CHÍNH TRỊ …": the type opens the title
        h.issuer_closed = h.issuer_closed or bool(h.issuer)
        h.doc_type, h.in_title = _TYPES[found], True
        h.title.append(line)
        return True
    if not h.issuer_closed and (h.issuer or _BODY_WORDS & set(key.split())):
        h.issuer.append(line)
        return True
    h.issuer_closed = h.issuer_closed or bool(h.issuer)
    return bool(h.issuer or h.symbol or h.date)  # inside a header: a line to pass over


def _header_line(h: _Header, line: str, kind: str) -> bool:
    """Take one line above the type line into `h`; False when it is already content."""
    if kind in ("text", "marker"):
        return False
    if kind == "caps":
        return _caps_line(h, line)
    h.issuer_closed = h.issuer_closed or bool(h.issuer)
    if kind == "number":
        _read_number(h, line)
    if kind in ("number", "date"):
        _read_date(h, line)
    h.draft = h.draft or kind == "draft"
    if kind == "vv":
        h.title = [line]
    if kind == "type":
        h.doc_type, h.in_title = _TYPES[_key(line)], True
    return True


def _title_line(h: _Header, line: str, kind: str) -> str:
    """A line below the type line: "take" it, "pass" over it, "close" after it or "stop" before."""
    if kind == "draft":
        h.draft = True
        return "take"
    if kind == "skip":
        return "close" if line and h.title else "pass"  # a dash line under the title
    if (not h.title and kind in ("caps", "text")) or _continues_title(h, line, kind):
        h.title.append(line)
        return "take"
    return "stop"


def _scan(blocks: Sequence[RawBlock | str], h: _Header) -> int:
    """Walk the first blocks, filling `h`; return how many leading blocks are header."""
    last = -1  # last block holding a header line
    for bi, block in enumerate(blocks[:40]):
        for line in (_strip(x) for x in _lines(block)):
            kind = _kind(line)
            if not h.in_title:
                if not _header_line(h, line, kind):
                    return last + 1
                last = bi
                continue
            action = _title_line(h, line, kind)
            if action == "close":
                return bi + 1
            if action == "stop":
                return last + 1
            if action == "take":
                last = bi
    return last + 1


def extract_meta(blocks: Sequence[RawBlock | str]) -> tuple[DocMeta, int]:
    """Metadata from the header at the start of a document, and how many leading blocks it spans.

    `blocks` are the document's blocks in order (a plain string counts as one paragraph); a
    header laid out as a table is read cell by cell. The header ends with the trích yếu.

    >>> meta, n = extract_meta(["TỈNH ỦY HẬU GIANG", "Số 12-BC/TU", "BÁO CÁO", "Công tác năm 2023"])
    >>> meta.issuer, meta.number, meta.doc_type, meta.year, n
    ('Tỉnh ủy Hậu Giang', '12-BC/TU', 'Báo cáo', 2023, 4)
    """
    h = _Header()
    count = _scan(blocks, h)
    if not (h.issuer or h.symbol or h.date or h.doc_type or h.title):
        return DocMeta(), 0  # no header: the document starts with content
    if h.doc_type is None and h.symbol:
        code = re.split(r"[-/]", h.symbol)[0].lower()
        h.doc_type = _SYMBOL_TYPES.get(code)
    title = " ".join(h.title)
    period, year = _period(title, h.date)
    issuer = title_case_issuer(" ".join(h.issuer)) if h.issuer else None
    meta = DocMeta(
        title=title,
        doc_type=h.doc_type,
        number=h.number,
        issuer=issuer,
        date=h.date,
        place=h.place,
        draft=h.draft,
        period=period,
        year=year,
    )
    return meta, count
