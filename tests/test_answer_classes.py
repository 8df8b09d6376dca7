"""Each class of wrong answer, as a property over generated report sentences.

The sentences are built the way provincial reports state figures (a topic, then items of
figures; changes "so với cùng kỳ"; breakdowns after a colon); subjects, qualifiers, numbers and
their order vary. A property holds for every generated case, not for one example.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from indexer.model import DocFacts, Hit, Passage
from indexer.query.answer import answer
from indexer.vietnamese.periods import parse_period
from indexer.vietnamese.text import fold

DOC = DocFacts("bc", "Báo cáo 6 tháng đầu năm 2024 của Tỉnh ủy Hậu Giang",
               parse_period("6 tháng đầu năm 2024"), "Tỉnh ủy Hậu Giang",
               "Kết quả thực hiện nhiệm vụ 6 tháng đầu năm 2024", 2024)  # fmt: skip
FILLER = [  # other paragraphs of the report, as a retriever returns them below the right one
    "Công tác xây dựng Đảng được quan tâm, chất lượng sinh hoạt chi bộ được nâng lên.",
    "Tình hình an ninh chính trị, trật tự an toàn xã hội được giữ vững.",
    "Công tác dân vận của hệ thống chính trị có nhiều chuyển biến tích cực.",
]


def vn(n: int) -> str:
    """A count written the Vietnamese way: 12345 → "12.345"."""
    return f"{n:,}".replace(",", ".")


def ask(query: str, *texts: str, docs=None):
    hits = [Hit(Passage(f"bc:p{i}", "bc", "paragraph", t, t, "I. Kết quả", i), 1.0 / (i + 1))
            for i, t in enumerate([*texts, *FILLER])]  # fmt: skip
    reply = answer(query, hits, docs={"bc": DOC} if docs is None else docs)
    if reply.answer is not None:  # every answer is a span of the passage it cites
        start, end = reply.span
        assert reply.citations[0].passage.text[start:end] == reply.answer
    return reply


def has_number(reply, n: int) -> bool:
    """The answer states n as a whole number ("2" is not in "62")."""
    return reply.answer is not None and re.search(
        rf"(?<![\d.,]){re.escape(vn(n))}(?![\d]|[.,]\d)", reply.answer) is not None


NUMBERS = st.lists(st.integers(2, 99_999), min_size=4, max_size=4, unique_by=vn)
TOPICS = st.sampled_from([
    ("Tai nạn giao thông", "vụ", "người"), ("Cháy nổ", "vụ", "người"),
    ("Đuối nước", "vụ", "người"), ("Ngộ độc thực phẩm", "vụ", "người"),
])  # fmt: skip


@given(TOPICS, NUMBERS)
def test_a_change_never_answers_a_level_question(topic, numbers):
    """"làm chết 37 người … (so với cùng kỳ, …, giảm 21 người chết)": 21 is a change."""
    name, event, person = topic
    cases, killed, injured, fewer = numbers
    text = (f"{name}: Xảy ra {vn(cases)} {event}, làm chết {vn(killed)} {person}, bị thương "
            f"{vn(injured)} {person} (so với cùng kỳ, giảm {vn(fewer)} {person} chết).")
    level = ask(f"số {person} chết do {name.lower()}", text)
    assert has_number(level, killed) and not has_number(level, fewer), level.answer
    change = ask(f"số {person} chết do {name.lower()} giảm bao nhiêu so với cùng kỳ", text)
    assert has_number(change, fewer) and not has_number(change, killed), change.answer


QUALIFIED = st.sampled_from([
    ("huy chương", ["vàng", "bạc", "đồng"], "Tham gia {n} giải, đạt "),
    ("sản phẩm", ["5 sao", "4 sao", "3 sao"], "Tổng số sản phẩm OCOP toàn tỉnh {n} sản phẩm; "),
    ("hộ", ["nghèo", "cận nghèo", "khá giả"], "Toàn tỉnh rà soát {n} hộ, trong đó "),
])  # fmt: skip


@given(QUALIFIED, NUMBERS, st.permutations([0, 1, 2]))
def test_a_parallel_item_never_answers_for_its_neighbour(kind, numbers, order):
    """"15 huy chương vàng, 21 huy chương bạc": asked gold, the silver figure is never taken."""
    noun, qualifiers, lead = kind
    total, *counts = numbers
    items = [f"{vn(counts[i])} {noun} {qualifiers[i]}" for i in order]
    text = lead.format(n=vn(total)) + ", ".join(items) + "."
    for i, qualifier in enumerate(qualifiers):
        reply = ask(f"bao nhiêu {noun} {qualifier}", text)
        assert reply.answer is not None, (qualifier, reply.why, text)
        assert reply.answer.startswith(f"{vn(counts[i])} {noun} {qualifier}"), (
            qualifier, reply.answer, text)


@given(NUMBERS, st.integers(2015, 2030).filter(lambda y: y != 2024),
       st.sampled_from(["tỉnh Cà Mau", "thành phố Cần Thơ", "tỉnh Sóc Trăng", "Hà Nội"]))
def test_a_period_or_place_no_document_covers_gets_no_answer(numbers, year, place):
    """The report is of 6 tháng đầu năm 2024 in Hậu Giang: other periods and places abstain,
    and `why` names what the documents do cover."""
    text = f"Toàn Đảng bộ đã thi hành kỷ luật {vn(numbers[0])} đảng viên vi phạm."
    assert has_number(ask("số đảng viên bị kỷ luật 6 tháng đầu năm 2024", text), numbers[0])
    for query in (f"số đảng viên bị kỷ luật năm {year}",
                  f"số đảng viên bị kỷ luật 6 tháng đầu năm {year}",
                  f"số đảng viên bị kỷ luật ở {place}"):  # fmt: skip
        reply = ask(query, text)
        assert reply.answer is None, (query, reply.answer)
        assert "Hậu Giang" in reply.why and "6 tháng đầu năm 2024" in reply.why, reply.why


@given(NUMBERS, st.sampled_from(["Nhật Bản", "Pháp", "Thái Lan", "Hoa Kỳ"]))
def test_a_named_thing_absent_from_the_sources_rules_an_answer_out(numbers, country):
    text = f"Kim ngạch xuất khẩu hàng hóa đạt {vn(numbers[0])} triệu USD, tăng 12% so với cùng kỳ."
    assert has_number(ask("kim ngạch xuất khẩu đạt bao nhiêu", text), numbers[0])
    assert ask(f"kim ngạch xuất khẩu của {country} đạt bao nhiêu", text).answer is None


NOUN_PHRASES = st.sampled_from([
    ("Tổng kim ngạch xuất, nhập khẩu hàng hóa thực hiện {n} triệu USD", "kim ngạch xuất nhập khẩu"),
    ("Diện tích cây ăn trái toàn tỉnh đạt {n} ha", "diện tích cây ăn trái"),
    ("Giá trị sản xuất công nghiệp ước thực hiện được {n} tỷ đồng", "giá trị sản xuất công nghiệp"),
    ("Tổng dư nợ cho vay toàn địa bàn là {n} tỷ đồng", "tổng dư nợ cho vay"),
])  # fmt: skip


@given(NOUN_PHRASES, NUMBERS)
def test_a_noun_phrase_typed_as_a_search_gets_the_figure_stated_for_it(phrase, numbers):
    stated, typed = phrase
    text = (f"{stated.format(n=vn(numbers[0]))}, tăng {vn(numbers[1])}% so với cùng kỳ; "
            f"số lao động có việc làm là {vn(numbers[2])} người.")
    reply = ask(typed, text)
    assert has_number(reply, numbers[0]) and not has_number(reply, numbers[1]), reply.answer


@given(NUMBERS)
def test_a_question_asking_two_things_gets_both(numbers):
    a, b, c, d = numbers
    text = (f"Cấp ủy, ủy ban kiểm tra các cấp đã kiểm tra {vn(a)} đảng viên và {vn(b)} tổ chức "
            f"đảng; giám sát {vn(c)} đảng viên và {vn(d)} tổ chức đảng.")
    reply = ask("kiểm tra bao nhiêu đảng viên và bao nhiêu tổ chức đảng", text)
    assert has_number(reply, a) and has_number(reply, b), reply.answer
    assert not has_number(reply, c) and not has_number(reply, d)


@given(NUMBERS)
def test_a_breakdown_question_gets_the_whole_list(numbers):
    total, *parts = numbers
    text = (f"Thông qua kiểm tra, giám sát, đã thi hành kỷ luật {vn(total)} đảng viên, với các "
            f"hình thức: Khiển trách {vn(parts[0])}, cảnh cáo {vn(parts[1])}, khai trừ "
            f"{vn(parts[2])}.")
    reply = ask("các hình thức kỷ luật đảng viên", text)
    assert all(has_number(reply, p) for p in parts), reply.answer
    expelled = ask("có bao nhiêu đảng viên bị khai trừ", text)
    assert has_number(expelled, parts[2]) and not has_number(expelled, total), expelled.answer


@given(TOPICS, NUMBERS)
def test_unaccented_questions_get_the_accented_answer(topic, numbers):
    name, event, person = topic
    cases, killed, injured, _ = numbers
    text = (f"{name}: Xảy ra {vn(cases)} {event}, làm chết {vn(killed)} {person}, bị thương "
            f"{vn(injured)} {person}.")
    for query in (f"số {person} bị thương do {name.lower()}",
                  f"có bao nhiêu {event} {name.lower()}"):  # fmt: skip
        accented, plain = ask(query, text), ask(fold(query), text)
        assert accented.answer == plain.answer and accented.answer is not None, (query, plain)
