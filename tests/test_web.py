"""The server-rendered pages through TestClient: what a reader sees, without JavaScript."""

from __future__ import annotations

import re
from html import unescape

from tests.ids import DATA, doc_id

KL = doc_id(DATA / "web" / "ket-luan-chuyen-doi-so.md")
WE = doc_id(DATA / "word_export.txt")


def page(client, url, status=200, **params):
    response = client.get(url, params=params or None)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def assert_no_inline_script(html: str) -> None:
    """Scripts only from files (a Content-Security-Policy without inline scripts allows them),
    and none the page needs: the copy buttons start hidden."""
    assert re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S) == [""]
    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert scripts == [' src="/static/copy.js" defer']  # a path, never built from the Host
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers either


def test_search_page_is_vietnamese_responsive_and_needs_no_script(web_client):
    html = page(web_client, "/")
    assert '<html lang="vi">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<form class="search" action="/" method="get"' in html and 'name="q"' in html
    assert_no_inline_script(html)
    # type and year with their counts of passages, like issuer and period; years newest first
    assert '<option value="Kết luận" >Kết luận (11)</option>' in html
    assert html.index('<option value="2024" >2024 (22)</option>') < html.index(
        '<option value="2023" >2023 (11)</option>')
    assert '<option value="15-KL/ĐU" >15-KL/ĐU</option>' in html
    assert f'href="/documents/{KL}"' in html  # the list of indexed documents
    css = web_client.get("/static/style.css")
    assert css.status_code == 200 and "@media (max-width: 40rem)" in css.text


def test_results_show_marked_matches_and_a_citation_linking_to_the_passage(web_client):
    html = page(web_client, "/", q="điểm truy cập Internet công cộng")
    assert "Kết quả 1–3 trong 3 đoạn phù hợp" in html
    assert ("Năm 2022, toàn xã lắp đặt 14 <mark>điểm truy cập Internet công cộng</mark>; "
            "tỷ lệ hộ gia đình") in html
    link = re.search(r'<a class="citation" href="([^"]+#p-2)">([^<]+)</a>', html)
    assert link and link.group(1) == f"/documents/{KL}?hl={KL}:p2#p-2"
    assert unescape(link.group(2)) == (
        "Kết luận số 15-KL/ĐU ngày 20/3/2023 của Đảng ủy xã Mẫu Thượng, mục I, đoạn 2")
    assert "Tiêu đề bảng: “Chỉ tiêu | Năm 2022 | Năm 2023”" in text_of(html)


def test_footnote_result_names_the_footnote_and_its_citing_sentence(web_client):
    html = page(web_client, "/", q="huy hiệu 30 năm tuổi Đảng")
    first = html.split('<li class="result"')[1]
    assert f'href="/documents/{WE}?hl={WE}:fn4#fn-4"' in first
    assert ", đoạn 7, chú thích 4</a>" in first
    assert "<mark>Huy hiệu 30 năm tuổi Đảng</mark> 120 đồng chí" in first
    assert "Chú thích cho câu: “Toàn Đảng bộ kết nạp 321 đảng viên mới" in text_of(first)


def test_short_answer_on_top_with_its_sentence_and_source(web_client):
    html = page(web_client, "/", q="có bao nhiêu cán bộ được tập huấn kỹ năng số")
    answer = html.split('<section class="answer"')[1].split("</section>")[0]
    assert html.index('<section class="answer"') < html.index('<ol class="results"')
    assert "<strong>250 cán bộ</strong>" in answer
    assert "Tập huấn kỹ năng số cho <mark>250 cán bộ</mark>, đảng viên" in answer
    assert f'href="/documents/{KL}?hl={KL}:p7&amp;fig=250%20c%C3%A1n%20b%E1%BB%99#p-7"' in answer
    assert "đoạn 7" in answer
    assert re.search(r'class="certainty"[^>]*>(chắc chắn|cần kiểm tra)<', answer)


def test_no_answer_is_said_plainly_with_why_above_the_results(web_client):
    """A period no document covers: the box says there is no answer and why, and the results
    still follow for the user to judge."""
    html = page(web_client, "/", q="có bao nhiêu cán bộ được tập huấn kỹ năng số năm 2019")
    box = html.split('<section class="answer none"')[1].split("</section>")[0]
    assert "Không có câu trả lời" in box and "năm 2019" in text_of(box)
    assert html.index('<section class="answer none"') < html.index('<ol class="results"')


def test_text_and_queries_are_escaped(web_client):
    html = page(web_client, "/", q="phủ sóng 4G")
    assert ("Chỉ tiêu &#34;<mark>phủ sóng 4G</mark> &lt; 100% &amp; cáp quang &gt; 90% thôn&#34;"
            " chưa đạt") in html
    html = page(web_client, "/", q='<script>alert("x")</script> đảng viên')
    assert "<script>" not in html
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; đảng viên"' in html


def test_filters_and_paging_keep_the_query(web_client):
    html = page(web_client, "/", q="đảng viên", doc_type="Kết luận", year="2023")
    cited = set(re.findall(r'class="citation" href="/documents/([^?"]+)', html))
    assert cited == {KL}
    assert '<option value="Kết luận" selected>' in html and '<option value="2023" selected>' in html
    html = page(web_client, "/", q="đảng viên")
    next_url = unescape(re.search(r'<a rel="next" href="([^"]+)"', html).group(1))
    assert next_url == "/?q=%C4%91%E1%BA%A3ng+vi%C3%AAn&offset=10"
    second = page(web_client, next_url)
    assert "Kết quả 11–12 trong 12 đoạn phù hợp" in second and 'rel="prev" href="/?q=' in second
    assert '<section class="answer"' not in second


def test_bad_input_on_the_page_is_explained_in_vietnamese(web_client):
    assert "Câu hỏi quá dài: tối đa 1000 ký tự" in page(web_client, "/", 422, q="đảng " * 300)
    assert "Năm không hợp lệ" in page(web_client, "/", 422, q="đảng viên", year="hai nghìn")
    assert "Trang kết quả không hợp lệ" in page(web_client, "/", 422, q="đảng viên", offset="-5")
    assert "Câu hỏi trống" in page(web_client, "/", 422, q="\x00\x01")
    missing = page(web_client, "/documents/khong-co-van-ban", 404)
    assert "Không có văn bản mã “khong-co-van-ban”" in missing and 'lang="vi"' in missing
    assert "Không có trang này" in page(web_client, "/khong/co/trang/nay", 404)


def test_document_view_reads_like_the_document(web_client):
    html = page(web_client, f"/documents/{WE}")
    assert '<span class="badge">Dự thảo</span>' in html
    assert '<div class="issuer">Tỉnh ủy Mẫu Sơn</div>' in html
    assert "Mẫu Sơn, tháng 6 năm 2024" in html
    heading = "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ 6 THÁNG ĐẦU NĂM 2024"
    assert f'<h2 id="p-1" class="block">{heading}</h2>' in html
    para = re.search(r'<p id="p-7" class="block">(.*?)</p>', html).group(1)
    assert ('Toàn Đảng bộ kết nạp 321 đảng viên mới<sup class="fnref">'
            '<a href="#fn-3" id="fnref-3">3</a></sup>, đạt 53,5% kế hoạch năm') in para
    assert '210 đồng chí<sup class="fnref"><a href="#fn-4" id="fnref-4">4</a></sup>;' in para
    note = re.search(r'<li id="fn-4" value="4">(.*?)</li>', html, re.S).group(1)
    assert note.startswith("Huy hiệu 30 năm tuổi Đảng 120 đồng chí")
    assert '<a class="back" href="#fnref-4"' in note
    assert "<th>Chỉ tiêu</th><th>Kế hoạch năm</th><th>Thực hiện 6 tháng</th>" in html
    assert '<a href="#p-6">b) Công tác tổ chức, cán bộ và đảng viên</a>' in html  # outline
    assert_no_inline_script(html)


def test_document_view_highlights_the_cited_passage(web_client):
    html = page(web_client, f"/documents/{KL}", hl=f"{KL}:p2")
    assert '<p id="p-2" class="block hl">' in html and html.count(" hl\"") == 1
    assert "Đoạn được trích dẫn:" in html
    html = page(web_client, f"/documents/{WE}", hl=f"{WE}:fn4")
    assert '<li id="fn-4" value="4" class="hl">' in html and 'class="block hl"' not in html
    html = page(web_client, f"/documents/{KL}", hl=f"{KL}:t4.r2")
    assert '<div id="p-4" class="block hl table-wrap"' in html
    row = re.search(r'<tr class="hl-row">(.*?)</tr>', html).group(1)
    assert text_of(row) == "Hộ dùng thanh toán không dùng tiền mặt1.1501.600"
    # a passage of another document, or garbage, highlights nothing
    for hl in (f"{WE}:p7", "'; DROP TABLE x", "x" * 5000):
        assert " hl" not in page(web_client, f"/documents/{KL}", hl=hl).split("<main>")[1]


def test_nothing_matching_is_said_plainly_with_no_results_or_answer(web_client):
    html = page(web_client, "/", q="xyzqwv")
    assert "Không tìm thấy đoạn nào phù hợp với “xyzqwv”" in text_of(html)
    assert '<ol class="results"' not in html and '<section class="answer' not in html


def test_each_citation_has_a_copy_button_with_the_same_line(web_client):
    html = page(web_client, "/", q="có bao nhiêu cán bộ được tập huấn kỹ năng số")
    results = html.split('<ol class="results"')[1]
    links = re.findall(r'<a class="citation" href="[^"]+">([^<]+)</a>\s*<button type="button" '
                       r'class="copy" data-copy="([^"]+)"[^>]*hidden>Sao chép</button>', results)
    assert links and len(links) == results.count('<li class="result"')
    assert all(label == copied for label, copied in links)
    answer = html.split('<section class="answer"')[1].split("</section>")[0]
    assert 'data-copy="Kết luận số 15-KL/ĐU ngày 20/3/2023 của Đảng ủy xã Mẫu Thượng' in answer
    script = web_client.get("/static/copy.js")
    assert script.status_code == 200 and "navigator.clipboard" in script.text


def test_document_opened_from_an_answer_marks_its_sentence_and_figure(web_client):
    html = page(web_client, "/", q="có bao nhiêu cán bộ được tập huấn kỹ năng số")
    url = unescape(re.search(r'<a class="source" href="([^"]+)"', html).group(1))
    view = page(web_client, url.split("#")[0])
    para = re.search(r'<p id="p-7" class="block hl">(.*?)</p>', view, re.S).group(1)
    assert '<mark class="figure">250 cán bộ</mark>' in para
    quoted = "".join(re.findall(r'<span class="quoted">(.*?)</span>', para))
    assert text_of(quoted).startswith("Tập huấn kỹ năng số cho 250 cán bộ")
    assert text_of(para) != text_of(quoted)  # the sentence, not the whole paragraph
    assert para.count("<mark") == 1


def select_options(html: str, name: str) -> list[str]:
    """The option texts of the <select name=…>, as a reader sees them."""
    block = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S).group(1)
    return [text_of(o).strip() for o in re.findall(r"<option\b.*?</option>", block, re.S)]


def test_issuer_and_period_filters_show_the_matching_passages_of_each_value(web_client):
    html = page(web_client, "/")
    assert "Cơ quan ban hành" in html and "Kỳ báo cáo" in html
    assert select_options(html, "issuer") == [
        "Tất cả", "Tỉnh ủy Mẫu Sơn (22)", "Đảng ủy xã Mẫu Thượng (11)"]
    assert select_options(html, "period") == ["Tất cả", "6 tháng đầu năm 2024 (22)"]
    html = page(web_client, "/", q="đảng viên", issuer="Đảng ủy xã Mẫu Thượng")
    assert select_options(html, "issuer") == [
        "Tất cả", "Tỉnh ủy Mẫu Sơn (11)", "Đảng ủy xã Mẫu Thượng (1)"]
    assert '<option value="Đảng ủy xã Mẫu Thượng" selected>' in html
    assert set(re.findall(r'class="citation" href="/documents/([^?"]+)', html)) == {KL}
    assert select_options(html, "period") == ["Tất cả"]  # the conclusion names no period
    html = page(web_client, "/", q="đảng viên", period="6 tháng đầu năm 2024")
    assert '<option value="6 tháng đầu năm 2024" selected>' in html
    assert set(re.findall(r'class="citation" href="/documents/([^?"]+)', html)) == {WE}
    assert not re.search(r"\s(style|on[a-z]+)=", html)  # the CSP allows neither


def test_the_period_range_filters_the_page_and_explains_a_bad_bound(web_client):
    html = page(web_client, "/", q="đảng viên", period_from="2024", period_to="2024-12-31")
    assert set(re.findall(r'class="citation" href="/documents/([^?"]+)', html)) == {WE}
    assert 'name="period_from" value="2024"' in html and 'value="2024-12-31"' in html
    assert select_options(html, "issuer") == ["Tất cả", "Tỉnh ủy Mẫu Sơn (11)"]
    html = page(web_client, "/", q="đảng viên", period_to="2023")
    assert "Không tìm thấy đoạn nào phù hợp" in html
    bad = page(web_client, "/", 422, q="đảng viên", period_from="2024-02-30")
    assert "Kỳ báo cáo “từ” không hợp lệ" in bad
    assert "Kỳ báo cáo “đến” không hợp lệ" in page(web_client, "/", 422, q="đảng viên",
                                                   period_from="2025", period_to="2024")
