"""The `vankien` command as a user meets it: why nothing was printed, in Vietnamese, on one line,
with a non-zero exit; help for every option; a citation line the same as the page's."""

from __future__ import annotations

import socket

import click
import pytest
from click.testing import CliRunner

from indexer.cli import main as cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), terminal_width=60)


def lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("args", "code", "why"),
    [
        (["search", "đảng viên", "--year", "2019"], 1, "không có văn bản nào có --year 2019; có:"),
        (["search", "đảng viên", "--doc-id", "nope"], 1, "không có văn bản mã “nope”; các mã có:"),
        (["ask", "đảng viên", "--doc-id", "nope"], 1, "không có văn bản mã “nope”"),
        (["search", "đảng viên", "-k", "0"], 2, "-k 0: số đoạn cần hiện phải từ 1 đến 100"),
        (["search", "xyzqwv"], 1, "không tìm thấy đoạn nào phù hợp với “xyzqwv”"),
        (["ask", ""], 2, 'câu hỏi trống: hãy nhập vài từ, ví dụ: vankien ask "kết nạp đảng viên"'),
        (["search", "  "], 2, "câu hỏi trống"),
    ],
)
def test_nothing_to_print_says_why_in_one_line_and_fails(web_settings, web_index, args, code,
                                                         why):  # fmt: skip
    result = run(*args, "--index", str(web_settings.index))
    assert result.exit_code == code, result.output
    assert len(lines(result)) == 1 and why in result.output, result.output


def test_search_prints_the_count_and_the_citation_line_of_the_page(web_settings, web_index):
    result = run("search", "điểm truy cập Internet công cộng", "--index", str(web_settings.index))
    assert result.exit_code == 0, result.output
    assert "3 đoạn phù hợp" in result.output
    label = "Kết luận số 15-KL/ĐU ngày 20/3/2023 của Đảng ủy xã Mẫu Thượng, mục I, đoạn 2"
    assert any(label in line for line in result.output.splitlines())  # one line, narrow or not


def test_version_and_help_for_every_option():
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("vankien ")
    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"vankien {name} {param.opts[0]} has no help"


def test_build_of_a_missing_folder_writes_nothing(tmp_path):
    index = tmp_path / "index"
    result = run("build", str(tmp_path / "nonexistent"), "--index", str(index))
    assert result.exit_code == 2 and len(lines(result)) == 1
    assert "không có thư mục hay tệp" in result.output
    assert not index.exists()


def test_serve_on_a_busy_port_fails_at_once_in_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--index", str(tmp_path / "index"), "--port", str(port))
    assert result.exit_code == 1 and len(lines(result)) == 1
    assert f"cổng {port} trên 127.0.0.1 đang được một chương trình khác dùng" in result.output
    assert f"vankien serve --port {port + 1}" in result.output
