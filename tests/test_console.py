"""The console demo, driven as a subprocess through stdin and stdout, as a newcomer uses it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_bot(
    args: list[str], typed: list[str], cwd: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        **{
            k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "BOT_SECRET_KEY")
        },
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{cwd / 'data' / 'binhyen.db'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="\n".join(typed) + "\n",
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def first_start(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """What `make run` does on a fresh machine: key, migrations, sample commune, console."""
    workdir = tmp_path_factory.mktemp("fresh-clone")
    result = run_bot(["start"], ["dong y", "khan cap", "/quit"], workdir)
    return workdir, result


def test_first_start_generates_a_key_seeds_the_sample_and_chats(
    first_start: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    workdir, result = first_start
    assert result.returncode == 0, result.stderr
    assert (workdir / ".env").read_text().startswith("BOT_SECRET_KEY=")
    assert "Sample commune loaded." in result.stdout
    assert "Chatting as Trần Thị Lan." in result.stdout
    assert "Chào mừng bạn đến với Bình Yên" in result.stdout
    # Listed by her commune, she still agrees herself before anything is used.
    assert "Bạn có đồng ý không?\n\n1. Đồng ý\n2. Không đồng ý" in result.stdout
    assert "Sự đồng ý của bạn đã được ghi nhận." in result.stdout
    assert "1. Báo tin\n2. Số điện thoại khẩn cấp" in result.stdout
    # A member of Xã Thanh Mỹ sees her own commune's duty phone straight away.
    assert "Số điện thoại trực ban của công an xã Thanh Mỹ: 0277 3800 113" in result.stdout


def test_the_console_numbers_choices_and_takes_typed_numbers(
    first_start: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    workdir, _ = first_start
    result = run_bot(
        ["console", "--as", "Lâm Quốc Bảo"],
        ["1", "them", "ngon ngu", "2", "xyz", "/quit"],
        workdir,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Chatting as Lâm Quốc Bảo." in out
    assert "Thành viên trong tổ" in out  # police see the groups of their commune
    assert "9. Thêm…" in out and "10. " not in out  # no page longer than 9 lines (issue #13)
    # The language is on a later "More…" page for police; its words reach it from any page.
    assert "Các mục khác:" in out and "Bạn hãy chọn ngôn ngữ:" in out
    # "Hủy" is a word to type, never a number (issue #13).
    assert "1. Tiếng Việt\n2. English\n(Trả lời bằng số.)\n(Gõ “hủy” để dừng" in out
    assert "From now on I will write to you in English." in out
    assert "1. Open tips\n2. Find a tip by its code\n3. Report a tip" in out  # police first
    assert "Sorry, I did not understand that." in out


def test_the_sample_is_seeded_once(
    first_start: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    workdir, _ = first_start
    result = run_bot(["demo", "seed"], [], workdir)
    assert result.returncode == 0, result.stderr
    assert "Sample commune already present." in result.stdout


def test_an_unknown_person_is_a_clear_error(
    first_start: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    workdir, _ = first_start
    result = run_bot(["console", "--as", "Không Có Ai"], [], workdir)
    assert result.returncode == 2
    assert "No single person matches" in result.stderr


def test_a_tip_on_the_text_rendering_as_resident_and_police(
    first_start: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """What Zalo will show too: numbered choices for questions, typed commands for a card's
    buttons; and each terminal shows only its own person's messages."""
    workdir, _ = first_start
    resident = ["bao tin", "Trộm cắp", "Có người lạ cạy cửa kho.", "xong", "hom qua"]
    resident += ["Kho nhà số 21", "an danh", "co", "gui", "/quit"]
    filed = run_bot(["console", "--as", "Trần Thị Lan"], resident, workdir)
    assert filed.returncode == 0, filed.stderr
    code = filed.stdout.split("Mã tin: ")[1][:7]

    police = run_bot(
        ["console", "--as", "Lâm Quốc Bảo"],
        ["dong y", f"/tip {code}", f"/tiepnhan {code}", "/quit"],
        workdir,
    )
    assert police.returncode == 0, police.stderr
    # He switched to English in an earlier test.
    assert f"• Acknowledge: type /tiepnhan {code}" in police.stdout
    assert f"{code}: acknowledged (Lâm Quốc Bảo)." in police.stdout
    assert "Công an xã đã tiếp nhận tin báo" not in police.stdout  # the reporter's, not his

    again = run_bot(["console", "--as", "Trần Thị Lan"], ["/quit"], workdir)
    assert f"Công an xã đã tiếp nhận tin báo {code} của bạn." in again.stdout


def test_make_run_serves_the_web_console_with_a_link_for_the_sample_officer(
    tmp_path: Path,
) -> None:
    from tests.telegram_harness import free_port

    port = free_port()
    result = run_bot(["start"], ["/quit"], tmp_path, WEBHOOK_PORT=str(port))
    assert result.returncode == 0, result.stderr
    link = f"Web console, signed in as the sample commune's police officer: http://127.0.0.1:{port}/console/login/"
    assert link in result.stdout
