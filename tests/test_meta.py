"""Header metadata: issuer, number, place and date, type, title and period."""

import pytest

from indexer.ingest.meta import extract_meta, title_case_issuer
from indexer.model import RawBlock

REPORT_HEADER = [
    "TỈNH ỦY HẬU GIANG",
    "*",
    "Số     -BC/TU",
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "Hậu Giang, ngày    tháng 6 năm 2024",
    "Dự thảo",
    "BÁO CÁO",
    "Kết quả thực hiện nhiệm vụ công tác 6 tháng đầu năm 2024",
    "-----",
]


def test_draft_report_header_from_word_paragraphs():
    meta, count = extract_meta([*REPORT_HEADER, "I. KẾT QUẢ ĐẠT ĐƯỢC", "1. Công tác xây dựng Đảng"])
    assert count == len(REPORT_HEADER)
    assert meta.issuer == "Tỉnh ủy Hậu Giang"
    assert meta.number is None  # the draft leaves the number blank
    assert meta.doc_type == "Báo cáo"
    assert meta.draft is True
    assert (meta.place, meta.date) == ("Hậu Giang", "2024-06")
    assert meta.title == "Kết quả thực hiện nhiệm vụ công tác 6 tháng đầu năm 2024"
    assert (meta.period, meta.year) == ("6 tháng đầu năm 2024", 2024)


def test_header_table_of_a_central_resolution():
    table = RawBlock(
        "table",
        "…",
        rows=(
            ("BAN CHẤP HÀNH TRUNG ƯƠNG\n*", "ĐẢNG CỘNG SẢN VIỆT NAM\n---------------"),
            ("Số 60-NQ/TW", "Hà Nội, ngày 12 tháng 4 năm 2025"),
        ),
    )
    blocks = [
        table,
        RawBlock("paragraph", "NGHỊ QUYẾT"),
        RawBlock("paragraph", "HỘI NGHỊ LẦN THỨ 11 BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG KHÓA XIII"),
        RawBlock(
            "paragraph",
            "Hội nghị lần thứ 11 Ban Chấp hành Trung ương Đảng khóa XIII họp từ "
            "ngày 10/4 đến ngày 12/4/2025 tại Thủ đô Hà Nội,",
        ),
        RawBlock("paragraph", "QUYẾT NGHỊ"),
    ]
    meta, count = extract_meta(blocks)
    assert count == 3
    assert meta.issuer == "Ban Chấp hành Trung ương"
    assert meta.number == "60-NQ/TW"
    assert (meta.place, meta.date) == ("Hà Nội", "2025-04-12")
    assert meta.doc_type == "Nghị quyết"
    assert meta.title == "HỘI NGHỊ LẦN THỨ 11 BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG KHÓA XIII"
    assert meta.period is None and meta.year == 2025  # no period: the year of the date
    assert meta.draft is False


def test_title_stops_at_the_enacting_body_line():
    table = RawBlock(
        "table",
        "…",
        rows=(
            (
                "ỦY BAN THƯỜNG VỤ\nQUỐC HỘI\n--------",
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n---------------",
            ),
            ("Số: 1654/NQ-UBTVQH15", "Hà Nội, ngày 16 tháng 6 năm 2025"),
        ),
    )
    lines = [
        "NGHỊ QUYẾT",
        "VỀ VIỆC SẮP XẾP CÁC ĐƠN VỊ HÀNH CHÍNH CẤP XÃ CỦA TỈNH AN GIANG NĂM 2025",
        "ỦY BAN THƯỜNG VỤ QUỐC HỘI",
        "Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;",
    ]
    meta, count = extract_meta([table, *lines])
    assert count == 3
    assert meta.issuer == "Ủy ban Thường vụ Quốc hội"
    assert meta.number == "1654/NQ-UBTVQH15"
    assert meta.title.startswith("VỀ VIỆC SẮP XẾP") and "ỦY BAN" not in meta.title
    assert meta.date == "2025-06-16" and meta.year == 2025


@pytest.mark.parametrize("line", ["Dự thảo", "DỰ THẢO", "Dự thảo lần 2", "(Dự thảo)"])
def test_draft_markers(line):
    meta, _ = extract_meta(["TỈNH ỦY HẬU GIANG", line, "BÁO CÁO", "Tình hình năm 2023"])
    assert meta.draft is True


@pytest.mark.parametrize(
    ("number_line", "number", "doc_type"),
    [
        ("Số 05-CT/TW", "05-CT/TW", "Chỉ thị"),
        ("Số: 21-KL/TW", "21-KL/TW", "Kết luận"),
        ("Số 11-QĐi/TW", "11-QĐi/TW", "Quy định"),
        ("Số 12-HD/BTGTW", "12-HD/BTGTW", "Hướng dẫn"),
        ("Số 03-CTr/TU", "03-CTr/TU", "Chương trình"),
        ("Số    -KH/TU", None, "Kế hoạch"),
        ("Số 202/2025/QH15", "202/2025/QH15", None),
    ],
)
def test_type_inferred_from_the_symbol_when_no_type_line(number_line, number, doc_type):
    meta, count = extract_meta(
        [
            "TỈNH ỦY HẬU GIANG",
            number_line,
            "Hậu Giang, ngày 2 tháng 3 năm 2024",
            "Thực hiện chỉ đạo của Ban Bí thư, Tỉnh ủy yêu cầu như sau:",
        ]
    )
    assert (meta.number, meta.doc_type) == (number, doc_type)
    assert count == 3


def test_official_letter_takes_the_vv_line_as_title():
    meta, count = extract_meta(
        [
            "TỈNH ỦY HẬU GIANG",
            "Số 152-CV/TU",
            "V/v triển khai Kết luận 21-KL/TW",
            "Hậu Giang, ngày 5 tháng 3 năm 2024",
            "Kính gửi: Các huyện ủy",
            "Thực hiện Kết luận số 21-KL/TW của Ban Chấp hành Trung ương Đảng,",
        ]
    )
    assert meta.doc_type == "Công văn"
    assert meta.title == "V/v triển khai Kết luận 21-KL/TW"
    assert meta.date == "2024-03-05"
    assert count == 4


@pytest.mark.parametrize(
    ("title", "period", "year"),
    [
        ("Kết quả 6 tháng cuối năm 2023", "6 tháng cuối năm 2023", 2023),
        ("Tình hình 9 tháng năm 2024", "9 tháng năm 2024", 2024),
        ("Kết quả công tác năm 2023", "năm 2023", 2023),
        ("Kết quả công tác quý I/2024", "quý I/2024", 2024),
        ("Kết quả công tác quý II năm 2024", "quý II năm 2024", 2024),
        ("Tình hình tháng 5/2024", "tháng 5/2024", 2024),
        ("Tổng kết nhiệm kỳ 2020 - 2025", "nhiệm kỳ 2020 - 2025", 2025),
        ("BÁO CÁO 6 THÁNG ĐẦU NĂM 2024 CỦA BAN THƯỜNG VỤ", "6 tháng đầu năm 2024", 2024),
    ],
)
def test_period_and_year_from_the_title(title, period, year):
    meta, _ = extract_meta(
        ["TỈNH ỦY HẬU GIANG", "Hậu Giang, ngày 20 tháng 6 năm 2025", "BÁO CÁO", title]
    )
    assert (meta.period, meta.year) == (period, year)


def test_dates_full_partial_and_blank():
    def date_of(line):
        return extract_meta(["TỈNH ỦY HẬU GIANG", line, "BÁO CÁO", "Tình hình"])[0].date

    assert date_of("Hà Nội, ngày 12 tháng 4 năm 2025") == "2025-04-12"
    assert date_of("Hậu Giang, ngày    tháng 6 năm 2024") == "2024-06"
    assert date_of("Hậu Giang, ngày    tháng    năm 2024") == "2024"


@pytest.mark.parametrize(
    ("caps", "proper"),
    [
        ("TỈNH ỦY HẬU GIANG", "Tỉnh ủy Hậu Giang"),
        ("BAN CHẤP HÀNH TRUNG ƯƠNG", "Ban Chấp hành Trung ương"),
        ("ỦY BAN THƯỜNG VỤ QUỐC HỘI", "Ủy ban Thường vụ Quốc hội"),
        ("ĐẢNG BỘ TỈNH HẬU GIANG", "Đảng bộ tỉnh Hậu Giang"),
        ("THÀNH ỦY CẦN THƠ", "Thành ủy Cần Thơ"),
        ("HUYỆN ỦY PHỤNG HIỆP", "Huyện ủy Phụng Hiệp"),
        ("BAN THƯỜNG VỤ TỈNH UỶ", "Ban Thường vụ Tỉnh uỷ"),
    ],
)
def test_issuer_capitalised_the_vietnamese_way(caps, proper):
    assert title_case_issuer(caps) == proper


def test_no_header_means_no_header_blocks():
    meta, count = extract_meta(["Đây là một đoạn văn bình thường, không có phần đầu.", "Đoạn hai."])
    assert count == 0 and meta.title == "" and meta.issuer is None
    assert extract_meta([]) == (extract_meta([])[0], 0)


def test_caps_lines_that_are_not_an_issuer():
    meta, count = extract_meta(["QUYẾT NGHỊ", "Thông qua nội dung các văn kiện."])
    assert (meta.issuer, count) == (None, 0)
    meta, count = extract_meta(
        [
            "BÁO CÁO CHÍNH TRỊ CỦA BAN CHẤP HÀNH ĐẢNG BỘ TỈNH",
            "Nhiệm kỳ qua, Đảng bộ tỉnh đã lãnh đạo toàn diện.",
        ]
    )
    assert (meta.doc_type, meta.issuer, count) == ("Báo cáo", None, 1)
    assert meta.title == "BÁO CÁO CHÍNH TRỊ CỦA BAN CHẤP HÀNH ĐẢNG BỘ TỈNH"
