"""The real pages in headless Chromium: search, read the cited passage, follow it, use footnotes."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.ids import DATA, doc_id

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path(shutil.which("chromedriver") or "/usr/bin/chromedriver")
KL = doc_id(DATA / "web" / "ket-luan-chuyen-doi-so.md")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists() or not DRIVER.exists(),
                       reason="needs Debian's chromium and chromium-driver "
                              "(apt-get install -y chromium chromium-driver)"),
]


@pytest.fixture(scope="module")
def server(web_settings, web_index):
    """The app under uvicorn in a thread, on a free loopback port."""
    yield from _serve(web_settings, web_index)


@pytest.fixture(scope="module")
def periods_server(periods_index):
    yield from _serve(*periods_index)


def _serve(settings, index, app=None):
    from app.main import create_app

    yield from _serve_app(app or create_app(settings, index=index))


def _serve_app(app):
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
                "--window-size=1100,900", "--lang=vi",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out waiting for the page"
        time.sleep(0.1)


def test_search_then_follow_the_citation_to_the_passage(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    box = browser.find_element(By.NAME, "q")
    box.send_keys("điểm truy cập Internet công cộng")
    box.submit()
    results = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "li.result"))
    cited = [r for r in results if "toàn xã lắp đặt 14 điểm truy cập Internet công cộng"
             in r.find_element(By.CSS_SELECTOR, "blockquote").text]
    assert cited, [r.text for r in results]
    marks = cited[0].find_elements(By.TAG_NAME, "mark")
    assert [m.text for m in marks] == ["điểm truy cập Internet công cộng"]
    browser.save_screenshot("/tmp/vankien-search.png")

    link = cited[0].find_element(By.CSS_SELECTOR, "a.citation")
    assert link.text.endswith(", mục I, đoạn 2")
    link.click()
    wait_for(lambda: "/documents/" in browser.current_url)
    assert browser.current_url == f"{server}/documents/{KL}?hl={KL}:p2#p-2"
    target = browser.execute_script("return document.querySelector(':target')")
    assert target.get_attribute("id") == "p-2"
    assert "Năm 2022, toàn xã lắp đặt 14 điểm truy cập Internet công cộng" in target.text
    assert "hl" in target.get_attribute("class").split()
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", target)
    assert 0 <= top < browser.execute_script("return window.innerHeight")  # scrolled into view
    browser.save_screenshot("/tmp/vankien-document.png")


def test_footnote_marker_and_back_link(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/documents/{KL}")
    browser.find_element(By.ID, "fnref-2").click()
    wait_for(lambda: browser.current_url.endswith("#fn-2"))
    note = browser.execute_script("return document.querySelector(':target')")
    assert note.text.startswith("Theo Báo cáo số 07-BC/ĐU ngày 10/01/2023")
    note.find_element(By.CSS_SELECTOR, "a.back").click()
    wait_for(lambda: browser.current_url.endswith("#fnref-2"))
    paragraph = browser.find_element(By.ID, "p-3")
    assert "phủ sóng 4G < 100% & cáp quang > 90% thôn" in paragraph.text


def test_series_table_and_chart(periods_server, browser):
    """A question across periods shows each period's figure, cited, and a chart of them."""
    from urllib.parse import quote

    from selenium.webdriver.common.by import By

    browser.get(f"{periods_server}/?q={quote('số đảng viên bị kỷ luật qua các kỳ báo cáo')}")
    rows = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "table.series tbody tr"))
    cells = [[c.text for c in r.find_elements(By.TAG_NAME, "td")] for r in rows]
    assert [c[0] for c in cells] == ["6 tháng đầu năm 2023", "năm 2023", "6 tháng đầu năm 2024"]
    assert cells[2][1].startswith("35 đảng viên") and "giảm 5" in cells[2][2]
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.series-chart rect")
    assert len(bars) == 5 and all(b.size["height"] > 0 for b in bars[:3])
    chart = browser.find_element(By.CSS_SELECTOR, "svg.series-chart")
    assert chart.size["width"] > 300
    rows[1].find_element(By.TAG_NAME, "a").click()  # the cited paragraph of năm 2023
    year_report = doc_id(DATA.parent / "periods" / "bao-cao-nam-2023.txt")
    wait_for(lambda: f"/documents/{year_report}" in browser.current_url)
    cited = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".block.hl"))
    assert "thi hành kỷ luật 70 đảng viên" in cited[0].text


def test_the_api_docs_render_under_the_content_security_policy(server, browser):
    """Swagger UI and ReDoc from the service's own files, started without inline script: the
    page's CSP would block any, and a closed network any CDN."""
    from selenium.webdriver.common.by import By

    browser.get(server + "/docs")
    title = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".swagger-ui .info .title"))
    assert "vankien" in title[0].text
    assert wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path"))
    browser.get(server + "/redoc")
    heading = wait_for(lambda: [h for h in browser.find_elements(By.TAG_NAME, "h1")
                                if "vankien" in h.text])  # fmt: skip
    assert heading
    assert wait_for(lambda: "/api/search" in browser.find_element(By.TAG_NAME, "body").text)


def test_copy_button_copies_the_citation_line(server, browser):
    """With JavaScript the hidden "Sao chép" buttons appear; a click puts the citation line on
    the clipboard (read back through a textarea paste) and says so."""
    from urllib.parse import quote

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(f"{server}/?q={quote('điểm truy cập Internet công cộng')}")
    result = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "li.result"))[0]
    button = result.find_element(By.CSS_SELECTOR, "button.copy")
    wait_for(button.is_displayed)
    label = result.find_element(By.CSS_SELECTOR, "a.citation").text
    assert button.get_attribute("data-copy") == label
    button.click()
    wait_for(lambda: button.text in ("Đã sao chép", "Không sao chép được"))
    assert button.text == "Đã sao chép"
    pasted = browser.execute_script(
        "const t = document.createElement('textarea'); document.body.appendChild(t); return t;")
    pasted.click()
    pasted.send_keys(Keys.CONTROL, "v")
    assert pasted.get_attribute("value") == label


def test_export_buttons_download_the_answer_and_series(periods_server, browser, tmp_path):
    """"Tải CSV" beside the series table downloads a CSV (BOM, UTF-8) holding each period's
    figure and citation line as the page shows them; "Tải Word" a .docx with the same lines."""
    import csv
    from urllib.parse import quote

    import docx
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd("Browser.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": str(tmp_path)})
    browser.get(f"{periods_server}/?q={quote('số đảng viên bị kỷ luật qua các kỳ báo cáo')}")
    rows = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "table.series tbody tr"))
    labels = [r.find_element(By.TAG_NAME, "a").text for r in rows]
    links = browser.find_elements(By.CSS_SELECTOR, "section.answer p.export a")
    assert [a.text for a in links] == ["Tải CSV", "Tải Word"] * 2
    links[2].click()
    saved = wait_for(lambda: [p for p in tmp_path.glob("*.csv")])
    data = saved[0].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and saved[0].name.startswith("trả lời")
    table = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    for label in labels:
        assert any(label in row for row in table), label
    links[3].click()
    word = wait_for(lambda: [p for p in tmp_path.glob("*.docx")])
    text = "\n".join(c.text for t in docx.Document(str(word[0])).tables for r in t.rows
                     for c in r.cells)  # fmt: skip
    assert all(label in text for label in labels)
    results = browser.find_elements(By.CSS_SELECTOR, "p.export a[href^='/export/search.csv']")
    assert results and results[0].text == "Tải CSV"


class GatedEmbedder:
    """The toy embedder whose builds wait until the test opens the gate: the admin page is
    then seen while the job runs."""

    def __init__(self) -> None:
        from tests.toy import ToyEmbedder

        self.toy, self.gate = ToyEmbedder(), threading.Event()
        self.name, self.dim = self.toy.name, self.toy.dim

    def embed_queries(self, texts):
        return self.toy.embed_queries(texts)

    def embed_passages(self, texts, progress=None):
        assert self.gate.wait(60), "the test never opened the gate"
        return self.toy.embed_passages(texts)


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    """A writable toy index (ket-luan.md) served with the admin token; builds wait on a gate."""
    from app.main import create_app
    from indexer.build import build_index
    from indexer.config import Settings
    from tests.toy import ToyEmbedder

    folder = tmp_path_factory.mktemp("admin")
    corpus = folder / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "web" / "ket-luan-chuyen-doi-so.md", corpus / "ket-luan.md")
    settings = Settings(index=folder / "index", model="toy", admin_token="adm-secret",
                        corpus=[corpus], base_url="")  # fmt: skip
    build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    gated = GatedEmbedder()
    served = _serve_app(create_app(settings, embedder=ToyEmbedder(), build_embedder=gated))
    try:
        yield next(served), gated
    finally:
        gated.gate.set()
        next(served, None)


def test_admin_uploads_a_file_and_watches_the_job(admin_server, browser, tmp_path):
    """Log in with the admin token, upload a file at level 1: the job's progress shows while
    the build runs (the script polls), then the page reloads with the document listed."""
    from selenium.webdriver.common.by import By

    url, gated = admin_server
    fish = tmp_path / "Báo cáo cá lồng.txt"
    fish.write_text("BÁO CÁO\nTình hình nuôi cá lồng năm 2024\n\n"
                    "Năm 2024, toàn xã có 37 hộ nuôi cá lồng, sản lượng đạt 420 tấn.\n",
                    encoding="utf-8")  # fmt: skip
    try:
        browser.get(url + "/admin")
        box = wait_for(lambda: browser.find_elements(By.NAME, "token"))[0]
        box.send_keys("adm-secret")
        box.submit()
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "input[type=file]"))
        assert browser.current_url == url + "/admin"
        header = browser.find_element(By.CSS_SELECTOR, "header.site nav").text
        assert "Quản trị" in header
        browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(fish))
        level = browser.find_element(By.CSS_SELECTOR, ".admin-form input[name=access]")
        level.clear()
        level.send_keys("1")
        level.submit()
        phase = wait_for(lambda: browser.find_elements(By.ID, "job-phase"))[0]
        # parsed, now held in the embedding (the gate): the script shows the build's phase
        wait_for(lambda: phase.text == "Nhúng đoạn")
        count = browser.find_element(By.ID, "job-count").text
        done, total = (int(n) for n in count.split("/"))
        assert done == 0 and total >= 1, count
        bar = browser.find_element(By.ID, "job-bar")
        assert bar.get_attribute("value") == "0" and bar.get_attribute("max") == str(total)
        gated.gate.set()
        done = wait_for(lambda: [p for p in browser.find_elements(By.CSS_SELECTOR, ".job .done")])
        assert "Đã thêm “Báo cáo cá lồng.txt”" in done[0].text
        assert "mức truy cập 1" in done[0].text
        row = [r for r in browser.find_elements(By.CSS_SELECTOR, "table.admin-docs tbody tr")
               if "Báo cáo cá lồng.txt" in r.text]  # fmt: skip
        assert row and row[0].find_element(By.NAME, "access").get_attribute("value") == "1"
        browser.set_window_size(1280, 900)
        browser.save_screenshot("/tmp/vankien-admin.png")
    finally:
        gated.gate.set()
        browser.delete_all_cookies()  # the other servers share 127.0.0.1: no admin cookie there


def test_a_starting_service_shows_progress_then_the_answer_without_a_click(tmp_path, browser):
    """The page of a service still building its index says so with a progress bar and
    reloads itself; once the index is ready the same page shows the answer."""
    from app.main import create_app
    from indexer.config import Settings
    from tests.test_startup import REPORT, GatedEmbedder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bao-cao.md").write_text(REPORT, encoding="utf-8")
    settings = Settings(index=tmp_path / "index", model="toy")
    embedder = GatedEmbedder()
    app = create_app(settings, embedder=embedder, build_from=[corpus], background=True)
    serving = _serve(settings, None, app)
    base = next(serving)
    try:
        assert embedder.waiting.wait(30)
        browser.get(base + "/?q=k%E1%BB%B7+lu%E1%BA%ADt")  # kỷ luật
        notice = browser.find_element("css selector", "section.notice.starting")
        assert "Dịch vụ đang khởi động" in notice.text
        assert "Đang lập chỉ mục (nhúng đoạn 0/3)" in notice.text
        assert browser.find_element("css selector", "progress").get_attribute("max") == "3"
        embedder.gate.set()
        wait_for(lambda: "95 đảng viên" in browser.page_source, timeout=30)  # reloaded itself
        assert not browser.find_elements("css selector", "section.notice.starting")
    finally:
        embedder.gate.set()
        next(serving, None)
