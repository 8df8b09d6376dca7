"""Response models of the JSON API: the field names are a contract outside tools rely on.

The records themselves are built once, in indexer/present/json.py (which `vankien … --json`
prints); these models validate them and describe them in the OpenAPI schema. A citation is
`indexer.present.Citation`, a document summary the fields of `indexer.DocInfo` it shows.
"""

from __future__ import annotations

import typing
from dataclasses import fields
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from indexer import Answer, DocInfo, Hit
from indexer.present import Citation, DocumentView
from indexer.present import json as records
from indexer.present.parts import DocumentPart, part_record
from indexer.query import SearchResult
from indexer.query.facets import Facets


class Result(BaseModel):
    id: str
    doc_id: str
    kind: Literal["paragraph", "footnote", "table", "heading"]
    text: str = Field(description="nguyên văn đoạn")
    score: float = Field(description=(
        "mức phù hợp của đoạn, 0–1, cùng một thang cho mọi câu hỏi (không chia theo kết quả "
        "đầu): trọng số từ vựng (0,7; 0,85 với câu gõ không dấu) nhân tỉ lệ từ nội dung của "
        "câu hỏi có trong đoạn (1 khi đoạn dẫn số ký hiệu được hỏi), cộng phần còn lại nhân độ "
        "tương đồng cosine với câu hỏi. Kết quả theo thứ hạng và điểm không bao giờ tăng khi "
        "xuống danh sách, nên chương trình có thể dừng ở một mức điểm: từ 0,7 đoạn chứa mọi từ "
        "của câu hỏi"))
    highlights: list[tuple[int, int]] = Field(description="các khoảng [đầu, cuối) khớp trong text")
    citation: Citation
    context: str | None = Field(
        description="chú thích: câu dẫn tới nó; hàng bảng: hàng tiêu đề của bảng")


class FacetValue(BaseModel):
    value: str | int = Field(description="một giá trị lọc, ví dụ Tỉnh ủy Hậu Giang, hoặc 2024")
    count: int = Field(description="số đoạn phù hợp thuộc các văn bản có giá trị đó")


class SearchResponse(BaseModel):
    query: str
    total: int = Field(description=(
        "số đoạn phù hợp với câu hỏi: chứa mọi từ nội dung của nó, dẫn số ký hiệu văn bản nó "
        "nêu, hoặc gần nghĩa (độ tương đồng cosine từ 0,85); 0 khi không tìm thấy gì, và khi "
        "đó `results` rỗng"))
    results: list[Result]
    k: int = Field(10, description="số kết quả mỗi trang đã hỏi (tham số `k`)")
    offset: int = Field(0, description="số kết quả đã bỏ qua (tham số `offset`)")
    took_ms: float | None = Field(None, description="thời gian máy chủ xử lý yêu cầu, mili giây")
    facets: dict[str, list[FacetValue]] = Field(default_factory=dict, description=(
        "số đoạn phù hợp (các đoạn `total` đếm) theo từng giá trị của `doc_type`, `year`, "
        "`issuer` và `period`, nhiều nhất trước, trong các văn bản người hỏi được xem: mỗi "
        "trường được đếm với các bộ lọc khác của câu hỏi nhưng không với bộ lọc của chính nó, "
        "nên một con số là kết quả khi chọn giá trị đó. Kỳ báo cáo mang nhãn đã chuẩn hóa; văn "
        "bản không có giá trị cho một trường thì không được đếm ở trường đó"))


class SeriesChange(BaseModel):
    from_: str = Field(alias="from", description="kỳ trước cùng loại")
    delta: float = Field(description="số liệu kỳ này trừ kỳ đó, do máy tính, không trích")
    computed: bool = True


class SeriesCheck(BaseModel):
    claim: str = Field(description="mức thay đổi do chính báo cáo nêu, trích nguyên văn: "
                       "'tăng 6 … so với cùng kỳ'")
    previous: str = Field(description="nhãn của kỳ trước")
    agrees: bool
    text: str


class SeriesEntry(BaseModel):
    """Một kỳ báo cáo của câu trả lời theo chuỗi thời gian."""

    period: str
    kind: str
    start: str | None
    end: str | None
    value: str = Field(description="số liệu như được trích, nguyên văn")
    number: float | None = Field(description="số liệu đã đọc thành số (tỉ số: tử số)")
    unit: str | None
    sentence: str | None
    citation: Citation
    change: SeriesChange | None
    check: SeriesCheck | None


class AskResponse(BaseModel):
    query: str
    answer: str | None
    sentence: str | None
    confidence: float
    certainty: str | None = Field(
        None, description='"chắc chắn" hoặc "cần kiểm tra" kèm câu trả lời; null khi không có')
    why: str
    citations: list[Result]
    series: list[SeriesEntry] = Field(
        default_factory=list, description="cùng số liệu trong từng báo cáo định kỳ, theo thời gian")
    took_ms: float | None = Field(None, description="thời gian máy chủ xử lý yêu cầu, mili giây")


def _summary_model() -> type[BaseModel]:
    """DocumentSummary: the fields of DocInfo the API shows (not the access level)."""
    hints = typing.get_type_hints(DocInfo)
    shown = {f.name: (hints[f.name], ...) for f in fields(DocInfo)
             if f.name in records.SUMMARY_FIELDS}  # fmt: skip
    return create_model("DocumentSummary", __doc__="Siêu dữ liệu và số đếm của một văn bản.",
                        **shown)


DocumentSummary = _summary_model()


class DocumentList(BaseModel):
    """Một trang của danh sách văn bản."""

    total: int = Field(description="số văn bản thỏa bộ lọc (mọi trang)")
    limit: int = Field(description="số văn bản tối đa mỗi trang (tham số `limit`)")
    offset: int = Field(description="số văn bản đã bỏ qua (tham số `offset`)")
    documents: list[DocumentSummary]


class Section(BaseModel):
    level: int
    title: str
    paragraph: int


class PassageOut(BaseModel):
    id: str
    kind: str
    text: str
    section: str
    paragraph: int
    footnote: int | None
    context: str | None
    url: str


class FootnoteOut(BaseModel):
    number: int
    text: str
    paragraph: int | None = Field(description="đoạn dẫn tới chú thích")
    sentence: str = Field(description="câu trong đoạn đó mang dấu chú thích")


class ParagraphRange(BaseModel):
    first: int
    last: int


class DocumentDetail(BaseModel):
    document: DocumentSummary
    sections: list[Section]
    passages: list[PassageOut] = Field(description="các đoạn trích của phần này (cả văn bản có "
                                       "`document.passages` đoạn, chia trong `parts` phần)")
    footnotes: list[FootnoteOut] = Field(description="các chú thích được dẫn trong phần này")
    part: int = Field(1, description="phần đang hiện (từ 1); văn bản dài chia thành các phần "
                      "`blocks_per_part` đoạn, mỗi phần kèm các đoạn trích và chú thích của nó")
    parts: int = Field(1, description="số phần của văn bản")
    blocks_per_part: int | None = None
    paragraphs: ParagraphRange | None = Field(None, description="các đoạn của phần này")
    previous: str | None = Field(None, description="liên kết tới phần trước")
    next: str | None = Field(None, description="liên kết tới phần sau")


class StartProgress(BaseModel):
    """Dịch vụ đang khởi động đã tới đâu: giai đoạn, n trên N, và số giây còn lại của nó."""

    phase: str = Field(description="giai đoạn: model, files, ocr, passages, write, load hoặc warm")
    label: str = Field(description="tên giai đoạn bằng tiếng Việt")
    done: int
    total: int
    elapsed_s: float = Field(description="số giây từ khi dịch vụ khởi động")
    eta_s: float | None = Field(None, description="số giây còn lại của giai đoạn này, khi đã ước")


class Health(BaseModel):
    """Tình trạng sẵn sàng; các trường khác chỉ dành cho mã quản trị."""

    status: Literal["ok", "loading", "unavailable"]
    message: str | None = Field(None, description="khi đang nạp: khởi động đã tới đâu, ví dụ "
                                "«đang lập chỉ mục (nhúng đoạn 120/1313, còn khoảng 2 phút)»")
    progress: StartProgress | None = None
    documents: int | None = None
    passages: int | None = None
    version: str | None = Field(None, description="phiên bản vankien")
    index_version: str | None = Field(None, description="phiên bản chỉ mục đang phục vụ")
    detail: str | None = None


class ErrorDetail(BaseModel):
    """Lỗi gì; các khóa khác mang giá trị cho chương trình dùng: `limit` hoặc `minimum` (giới
    hạn của tham số), `allowed` (các tham số route nhận), `retry_after`, `reference` (mã của
    lỗi 500 trong nhật ký dịch vụ)."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description='lỗi gì, cho chương trình: "invalid", "too_long", '
                      '"empty", "unknown_parameter", "document_not_found", "unauthorized", '
                      '"not_found", "method_not_allowed", "index_loading", "index_not_found", …')
    message: str = Field(description="lỗi gì và cần làm gì tiếp, cho người đọc (tiếng Anh; "
                         "trang web dịch theo `code`)")
    field: str | None = Field(None, description="tham số gây lỗi, nếu có")


class ErrorOut(BaseModel):
    """Mọi lỗi JSON của API đều có dạng này."""

    error: ErrorDetail


def result(hit: Hit, docs: dict[str, DocInfo], base_url: str) -> Result:
    return Result.model_validate(records.hit_record(docs, hit, base_url))


def search_response(query: str, found: SearchResult, docs: dict[str, DocInfo],
                    base_url: str, facets: Facets | None = None) -> SearchResponse:  # fmt: skip
    record = records.search_record(docs, query, found, base_url, facets)
    return SearchResponse.model_validate(record)


def ask_response(answer: Answer, docs: dict[str, DocInfo], base_url: str) -> AskResponse:
    return AskResponse.model_validate(records.answer_record(docs, answer, base_url))


def summary(doc: DocInfo) -> DocumentSummary:
    return DocumentSummary.model_validate(records.document_record(doc))


def document_detail(view: DocumentView, base_url: str) -> DocumentDetail:
    return DocumentDetail.model_validate(records.document_detail_record(view, base_url))


def document_part(shown: DocumentPart, base_url: str) -> DocumentDetail:
    record = records.document_detail_record(shown.view, base_url)
    return DocumentDetail.model_validate(record | part_record(shown, base_url))
