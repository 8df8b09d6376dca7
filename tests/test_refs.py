"""Document numbers cited in text, and the key that matches what users type."""

from indexer.vietnamese.refs import extract_refs, normalise_ref, query_refs


def test_refs_found_in_a_citing_sentence_are_normalised_to_the_number_alone():
    text = (
        "Quán triệt Nghị quyết số 35-NQ/TW ngày 22/10/2018 của Bộ Chính trị, Quy định số "
        "11-QĐi/TW, Kết luận 21-KL/TW và Chỉ thị số 05-CT/TW; thực hiện Hướng dẫn 12-HD/BTGTW."
    )
    assert extract_refs(text) == ["35-NQ/TW", "11-QĐi/TW", "21-KL/TW", "05-CT/TW", "12-HD/BTGTW"]


def test_state_documents_with_year_and_issuer_parts():
    text = (
        "Căn cứ Nghị quyết số 202/2025/QH15; Xét Tờ trình số 394/TTr-CP và Đề án số 395/ĐA-CP "
        "ngày 09 tháng 5 năm 2025. Nghị quyết 1654/NQ-UBTVQH15. Số: 516-BC/TU"
    )
    assert extract_refs(text) == [
        "202/2025/QH15",
        "394/TTr-CP",
        "395/ĐA-CP",
        "1654/NQ-UBTVQH15",
        "516-BC/TU",
    ]


def test_dates_fractions_and_counts_are_not_refs():
    text = (
        "Ngày 22/10/2018 đã kết nạp 654/1.150 đảng viên; 41/51 xã đạt chuẩn; xếp thứ 09/63; "
        "giai đoạn 2021-2025; khoản 1-Điều 3; COVID-19; họp từ ngày 10/4 đến ngày 12/4/2025."
    )
    assert extract_refs(text) == []


def test_repeated_ref_listed_once_and_trailing_punctuation_dropped():
    assert extract_refs("(Nghị quyết số 35-NQ/TW). Theo Nghị quyết 35-NQ/TW,") == ["35-NQ/TW"]


def test_user_typed_variants_share_one_key():
    stored = normalise_ref("35-NQ/TW")
    for typed in ("35 NQ/TW", "35-nq/tw", "35 - NQ / TW", " 35-NQ/TW "):
        assert normalise_ref(typed) == stored
    assert normalise_ref("11-QDi/TW") == normalise_ref("11-QĐi/TW")
    assert normalise_ref("5-CT/TW") == normalise_ref("05-CT/TW")
    assert normalise_ref("35-NQ/TW") != normalise_ref("36-NQ/TW")
    assert normalise_ref("1654/NQ-UBTVQH15") != normalise_ref("1655/NQ-UBTVQH15")


def test_refs_typed_loosely_in_a_query_are_found():
    assert query_refs("nghi quyet 35 nq/tw bao ve nen tang tu tuong") == [normalise_ref("35-NQ/TW")]
    assert query_refs("Quy định 11-QDi / TW về tiếp dân") == [normalise_ref("11-QĐi/TW")]
    assert query_refs("41/51 xã đạt chuẩn ngày 22/10/2018") == []


def test_very_long_lines_do_not_hang():
    line = "1" * 50_000 + "-" + "A" * 50_000 + " 35-NQ/TW " + "7/" * 30_000
    assert extract_refs(line) == ["35-NQ/TW"]
