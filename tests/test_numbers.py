"""Vietnamese number formats in report sentences."""

import pytest

from indexer.vietnamese.numbers import find_numbers, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.150", 1150),
        ("56,87", 56.87),
        ("111.919,326", 111919.326),
        ("1,5", 1.5),
        ("09", 9),
        ("280.000", 280000),
        ("3.219", 3219),
        ("90,56%", 90.56),
        ("2024", 2024),
    ],
)
def test_parse_number_reads_dots_as_thousands_and_commas_as_decimals(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "22/10/2018", "-"])
def test_parse_number_refuses_what_is_not_one_number(text):
    assert parse_number(text) is None


def _spans(text):
    return [(n.text, n.kind, n.value, n.unit) for n in find_numbers(text)]


def test_ratio_and_percent_in_a_party_building_sentence():
    spans = find_numbers("Đã kết nạp 654/1.150 đảng viên mới, đạt 56,87% kế hoạch.")
    assert [(n.text, n.kind) for n in spans] == [("654/1.150", "ratio"), ("56,87%", "percent")]
    assert spans[0].value == 654 and spans[0].denominator == 1150 and spans[0].unit == "đảng viên"
    assert spans[1].value == pytest.approx(56.87) and spans[1].unit == "%"


def test_money_and_counts_carry_their_units():
    text = (
        "Thu ngân sách trên địa bàn là 3.219 tỷ đồng; thu nhập bình quân đạt 87,45 triệu đồng; "
        "sạt lở thiệt hại 2,4 tỷ. Tai nạn giao thông: xảy ra 80 vụ, bệnh tay chân miệng 519 ca, "
        "tăng 391 ca; đón 280.000 lượt khách; sản lượng đạt 585.361 tấn."
    )
    assert _spans(text) == [
        ("3.219", "money", 3219, "tỷ đồng"),
        ("87,45", "money", 87.45, "triệu đồng"),
        ("2,4", "money", 2.4, "tỷ"),
        ("80", "count", 80, "vụ"),
        ("519", "count", 519, "ca"),
        ("391", "count", 391, "ca"),
        ("280.000", "count", 280000, "lượt khách"),
        ("585.361", "count", 585361, "tấn"),
    ]


def test_dates_are_dates_not_ratios():
    text = (
        "Nghị quyết số 35-NQ/TW ngày 22/10/2018; họp từ ngày 10/4 đến ngày 12/4/2025; "
        "Hà Nội, ngày 12 tháng 4 năm 2025; báo cáo tháng 5/2024."
    )
    spans = find_numbers(text)
    assert [(n.text, n.kind) for n in spans] == [
        ("22/10/2018", "date"),
        ("10/4", "date"),
        ("12/4/2025", "date"),
        ("ngày 12 tháng 4 năm 2025", "date"),
        ("tháng 5/2024", "date"),
    ]
    assert all(n.value is None for n in spans)


def test_ranks_and_ratios_of_communes():
    text = (
        "Chỉ số PCI xếp thứ 09/63, năm trước xếp thứ 9 cả nước; 41/51 xã đạt chuẩn nông thôn mới."
    )
    assert [(n.text, n.kind, n.value, n.denominator) for n in find_numbers(text)] == [
        ("09/63", "rank", 9, 63),
        ("9", "rank", 9, None),
        ("41/51", "ratio", 41, 51),
    ]


def test_years_of_periods_and_terms():
    spans = find_numbers("Quý I/2024 và năm 2023, nhiệm kỳ 2020 - 2025 có 12 căn nhà")
    assert [(n.text, n.kind) for n in spans] == [
        ("2024", "year"),
        ("2023", "year"),
        ("2020", "year"),
        ("2025", "year"),
        ("12", "count"),
    ]
    assert spans[-1].unit == "căn"


def test_spans_point_at_the_verbatim_text():
    text = "Có 490 doanh nghiệp thành lập mới, giải quyết 1.886/1889 đơn."
    for n in find_numbers(text):
        assert text[n.start : n.end] == n.text
    assert _spans(text) == [
        ("490", "count", 490, "doanh nghiệp"),
        ("1.886/1889", "ratio", 1886, "đơn"),
    ]


def test_numbers_inside_symbols_are_not_counted():
    assert find_numbers("Nghị quyết 202/2025/QH15 và Kết luận 21-KL/TW, COVID-19") == []


def test_long_digit_runs_do_not_hang():
    assert isinstance(find_numbers("1." * 100_000), list)
    assert len(find_numbers("Có 5 vụ. " * 20_000)) == 20_000
    assert find_numbers("ngày " * 50_000) == []
