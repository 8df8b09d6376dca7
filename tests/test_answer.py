"""Short answers cut verbatim from hand-written hits in the style of a provincial 6-month report."""

from __future__ import annotations

import pytest

from indexer.model import Answer, DocFacts, Hit, Passage
from indexer.query.answer import TOPIC_WHY, answer, is_unanswerable
from indexer.query.kinds import classify, content_terms
from indexer.vietnamese.periods import parse_period
from indexer.vietnamese.text import match_form


def passage(n: int, text: str, *, footnote: int | None = None, context: str | None = None,
            doc: str = "bc") -> Passage:  # fmt: skip
    kind = "footnote" if footnote else "paragraph"
    pid = f"{doc}:fn{footnote}" if footnote else f"{doc}:p{n}"
    return Passage(pid, doc, kind, text, text, "I. Kết quả", n, footnote=footnote, context=context)


REPORT = {
    "party": passage(
        12,
        "Công tác kiểm tra, giám sát được tăng cường. Ủy ban kiểm tra các cấp đã kiểm tra 1.426 "
        "đảng viên và 135 tổ chức đảng khi có dấu hiệu vi phạm. Các cấp ủy đã thi hành kỷ luật 95 "
        "đảng viên (khiển trách 50, cảnh cáo 20, cách chức 12, khai trừ 13).",
    ),
    "members": passage(
        14,
        "Trong 6 tháng đầu năm, toàn Đảng bộ đã kết nạp 654/1.150 đảng viên mới, đạt 56,87% kế "
        "hoạch năm; trao Huy hiệu Đảng cho 1.023 đảng viên.",
    ),
    "insurance": passage(
        20,
        "Tỷ lệ bao phủ bảo hiểm y tế chiếm 90,56%; số người tham gia bảo hiểm xã hội là 81.457 "
        "người, tăng 2.310 người so với cùng kỳ.",
        footnote=7,
        context="Công tác an sinh xã hội được quan tâm thực hiện tốt.",
    ),
    "safety": passage(
        31,
        "Tai nạn giao thông: Xảy ra 80 vụ, làm chết 45 người, bị thương 30 người; so với cùng kỳ "
        "giảm 6 vụ. Bệnh tay chân miệng 519 ca, tăng 391 ca so với cùng kỳ.",
    ),
    "economy": passage(
        8,
        "Chỉ số năng lực cạnh tranh cấp tỉnh (PCI) năm 2023 xếp thứ 09/63, tăng 3 bậc so với năm "
        "2022; chỉ số PAPI xếp thứ 43/63, giảm 15 bậc. Tổng thu ngân sách trên địa bàn là 3.219 tỷ "
        "đồng, đạt 52,3% dự toán.",
    ),
    "congress": passage(
        40,
        "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 15 được tổ chức ngày 12/3/2024 tại Hội trường "
        "Tỉnh ủy. Doanh nghiệp gặp nhiều khó khăn, số doanh nghiệp tạm ngưng hoạt động tăng cao.",
    ),
    "merge": passage(
        3,
        "1. Sắp xếp toàn bộ diện tích tự nhiên, quy mô dân số của các xã Khánh Cường, Khánh Lợi và "
        "Khánh Thiện thành xã mới có tên gọi là xã Khánh Thiện. 2. Sắp xếp toàn bộ diện tích tự "
        "nhiên, quy mô dân số của xã Đông Hưng A, xã Vân Khánh và thị trấn Thứ Mười Một thành xã "
        "mới có tên gọi là xã Đông Hưng. 3. Sắp xếp toàn bộ diện tích tự nhiên, quy mô dân số của "
        "xã Phú Vĩnh, xã Lê Chánh và xã Châu Phong thành xã mới có tên gọi là xã Châu Phong.",
        doc="nq",
    ),
}


DOCS = {"bc": DocFacts("bc", "Báo cáo 6 tháng đầu năm 2024 của Tỉnh ủy Mẫu Sơn",
                       parse_period("6 tháng đầu năm 2024"), "Tỉnh ủy Mẫu Sơn",
                       "Kết quả thực hiện nhiệm vụ 6 tháng đầu năm 2024"),
        "nq": DocFacts("nq", "Nghị quyết về sắp xếp đơn vị hành chính cấp xã của tỉnh Ninh Bình",
                       parse_period("năm 2025"), "Ủy ban Thường vụ Quốc hội",
                       "Về việc sắp xếp các đơn vị hành chính cấp xã của tỉnh Ninh Bình năm 2025")}


def hits(*keys: str) -> list[Hit]:
    """Hits in the given order, then the rest of the report, as a retriever would rank them."""
    order = list(keys) + [k for k in REPORT if k not in keys]
    return [Hit(REPORT[k], 1.0 / (rank + 1)) for rank, k in enumerate(order)]


def ask(query: str, *keys: str) -> Answer:
    result = answer(query, hits(*keys), docs=DOCS)
    if result.answer is not None:  # every short answer is cut from its sentence and passage
        assert result.answer in result.sentence
        assert result.sentence in result.citations[0].passage.text
        assert result.answer in result.citations[0].passage.text
    assert 0.0 <= result.confidence <= 1.0
    return result


@pytest.mark.parametrize(
    ("query", "keys", "expected"),
    [
        ("số đảng viên bị kỷ luật", ("party",), "95 đảng viên"),
        ("ủy ban kiểm tra các cấp đã kiểm tra bao nhiêu tổ chức đảng", ("party",),
         "135 tổ chức đảng"),
        ("đã kết nạp bao nhiêu đảng viên mới", ("members",), "654/1.150 đảng viên"),
        ("tỷ lệ bao phủ bảo hiểm y tế", ("insurance", "members"), "90,56%"),
        ("số người tham gia bảo hiểm xã hội", ("insurance",), "81.457 người"),
        ("thu ngân sách trên địa bàn 6 tháng đầu năm", ("economy", "members"), "3.219 tỷ đồng"),
        ("số người chết vì tai nạn giao thông", ("safety",), "45 người"),
    ],
)
def test_figure_with_its_unit(query: str, keys: tuple[str, ...], expected: str) -> None:
    assert ask(query, *keys).answer == expected


def test_distractor_number_in_the_same_sentence_is_not_taken() -> None:
    result = ask("kiểm tra bao nhiêu tổ chức đảng", "party")
    assert "135" in result.answer and "1.426" not in result.answer


def test_verb_before_the_number_names_what_is_counted() -> None:
    result = ask("có bao nhiêu đảng viên bị khai trừ", "party", "members")
    assert "13" in result.answer and "95" not in result.answer
    assert result.citations[0].passage.id == "bc:p12"


def test_footnote_figure_cites_the_footnote_first() -> None:
    result = ask("tỷ lệ bao phủ bảo hiểm y tế", "members", "insurance")
    assert result.answer == "90,56%"
    assert result.citations[0].passage.kind == "footnote"
    assert "chú thích 7" in result.why


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ty le bao phu bao hiem y te", "90,56%"),
        ("so vu tai nan giao thong", "80 vụ"),
        ("chi so PCI xep thu may", "xếp thứ 09/63"),
        ("so dang vien bi ky luat", "95 đảng viên"),
    ],
)
def test_unaccented_queries(query: str, expected: str) -> None:
    assert ask(query, "safety", "economy", "party", "insurance").answer == expected


def test_rank_keeps_its_words() -> None:
    assert ask("chỉ số PCI năm 2023 xếp thứ mấy", "economy").answer == "xếp thứ 09/63"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("chỉ số PAPI giảm bao nhiêu bậc", "giảm 15 bậc"),
        ("chỉ số PCI tăng bao nhiêu bậc", "tăng 3 bậc"),
        ("bệnh tay chân miệng tăng bao nhiêu ca", "tăng 391 ca"),
    ],
)
def test_change_takes_the_number_after_tang_giam(query: str, expected: str) -> None:
    assert ask(query, "economy", "safety").answer == expected


def test_date_question() -> None:
    result = ask("hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 15 được tổ chức khi nào", "congress")
    assert result.answer is not None and "12/3/2024" in result.answer


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "Sau sắp xếp đơn vị hành chính năm 2025, Xã Khánh Lợi, Huyện Yên Khánh, Tỉnh Ninh Bình "
            "được sắp xếp vào đơn vị hành chính cấp xã nào?",
            "xã Khánh Thiện",
        ),
        ("xa khanh loi duoc sap xep vao xa nao", "xã Khánh Thiện"),
        ("Xã Vân Khánh được sắp xếp vào đơn vị hành chính cấp xã nào?", "xã Đông Hưng"),
        ("Xã Lê Chánh được sắp xếp vào xã nào?", "xã Châu Phong"),
        ("Thị trấn Thứ Mười Một được sắp xếp vào xã nào?", "xã Đông Hưng"),
    ],
)
def test_entity_from_the_item_that_names_it(query: str, expected: str) -> None:
    result = ask(query, "merge")
    assert result.answer == expected
    assert result.citations[0].passage.id == "nq:p3"


def test_entity_inside_a_longer_name_is_not_a_mention() -> None:
    # "Đông Hưng" is only in "Đông Hưng A" and as a new name: no item merges a xã Đông Hưng.
    result = ask("Xã Đông Hưng được sắp xếp vào xã nào?", "merge")
    assert result.answer is None


def test_entity_of_another_type_is_not_a_mention() -> None:
    # The list has "thị trấn Thứ Mười Một"; a "xã Thứ Mười Một" is another unit.
    assert ask("Xã Thứ Mười Một được sắp xếp vào xã nào?", "merge").answer is None


def test_topic_question_shows_passages_not_a_summary() -> None:
    result = ask("khó khăn của doanh nghiệp", "congress")
    assert result.answer is None and result.sentence is None
    assert result.why == TOPIC_WHY
    assert result.citations[0].passage.id == "bc:p40"
    assert 0 < len(result.citations) <= 5


@pytest.mark.parametrize(
    "query", ["kết quả xổ số miền Nam hôm qua", "lịch thi đấu bóng đá World Cup"]
)
def test_off_topic_questions_get_no_answer(query: str) -> None:
    result = ask(query)
    assert result.answer is None and result.citations == ()
    assert "0/4" in result.why and "không đoạn nào chứa" in result.why
    abstain, coverage, why = is_unanswerable(query, hits())
    assert abstain and coverage < 0.5 and why == result.why


def test_why_names_the_missing_words_as_typed() -> None:
    assert "'xổ số'" in ask("kết quả xổ số miền Nam hôm qua").why


def test_answerable_topic_is_not_abstained() -> None:
    abstain, coverage, _ = is_unanswerable("khó khăn của doanh nghiệp", hits("congress"))
    assert not abstain and coverage >= 0.5


def test_no_number_of_the_asked_kind_gives_no_answer() -> None:
    result = ask("Hội trường Tỉnh ủy có bao nhiêu chỗ ngồi", "congress")
    assert result.answer is None
    assert result.why


def test_number_of_another_noun_is_not_an_answer() -> None:
    result = ask("trao bao nhiêu bằng khen cho đảng viên", "members")
    assert result.answer is None


def test_no_hits() -> None:
    result = answer("số đảng viên bị kỷ luật", [])
    assert result.answer is None and result.citations == ()
    assert is_unanswerable("số đảng viên bị kỷ luật", [])[0]


def test_max_len_and_determinism() -> None:
    cut = answer("tỷ lệ bao phủ bảo hiểm y tế", hits("insurance"), max_len=3)
    assert cut.answer is None and "3 ký tự" in cut.why  # a figure is never cut short
    listed = answer("các hình thức kỷ luật đảng viên", hits("party"), docs=DOCS, max_len=30)
    assert listed.answer == "khiển trách 50, cảnh cáo 20"
    assert answer("số đảng viên bị kỷ luật", hits()) == answer("số đảng viên bị kỷ luật", hits())


def test_citations_start_with_the_source_and_stop_at_five() -> None:
    result = ask("số đảng viên bị kỷ luật", "members", "party")
    assert result.citations[0].passage.id == "bc:p12"
    assert len(result.citations) <= 5
    assert len({c.passage.id for c in result.citations}) == len(result.citations)


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("có bao nhiêu đảng viên bị khai trừ", "count"),
        ("so vu tai nan giao thong", "count"),
        ("tổng đàn heo", "count"),
        ("tỷ lệ trường đạt chuẩn quốc gia", "percent"),
        ("ti le ho ngheo", "percent"),
        ("tốc độ tăng trưởng GRDP 6 tháng đầu năm", "percent"),
        ("chỉ số PCI xếp thứ mấy", "rank"),
        ("xep thu may", "rank"),
        ("thi hành án dân sự thu được bao nhiêu tiền", "money"),
        ("tổng vốn đầu tư toàn xã hội", "money"),
        ("hội nghị diễn ra khi nào", "date"),
        ("ai là người đứng đầu", "entity"),
        ("Xã Khánh Lợi được sắp xếp vào đơn vị hành chính cấp xã nào?", "entity"),
        ("chỉ số PAPI giảm bao nhiêu bậc", "change"),
        ("benh tay chan mieng tang bao nhieu ca", "change"),
        ("kết quả giải ngân vốn đầu tư công", "topic"),
        ("khó khăn của doanh nghiệp", "topic"),
    ],
)
def test_classify(query: str, kind: str) -> None:
    assert classify(query).kind == kind


def test_classify_reads_the_place_and_the_counted_noun() -> None:
    assert classify("Xã Khánh Lợi, Huyện Yên Khánh được sắp xếp vào xã nào?").entity == (
        "xã",
        "Khánh Lợi",
    )
    assert classify("kiểm tra bao nhiêu tổ chức đảng").focus == "tổ chức đảng"
    assert classify("bệnh tay chân miệng giảm bao nhiêu ca").direction == "giam"


def test_content_terms_drop_question_words() -> None:
    terms = content_terms("có bao nhiêu đảng viên bị khai trừ")
    assert terms == [match_form("đảng viên"), match_form("khai trừ")]
    assert match_form("dau") in content_terms("thu nhap binh quan dau nguoi")
