"""The text-page guard (tests/text_page_guard.py) sees what Zalo and the terminal render."""

from __future__ import annotations

from bot.messages import Choice, OutboundMessage
from bot.messengers import CONSOLE, ZALO
from bot.runtime.channels import render


def test_a_long_list_or_a_button_word_rendered_by_a_channel_is_found(
    text_pages_checked: list[str],
) -> None:
    long_list = OutboundMessage(
        "Chọn một:", choices=tuple(Choice(str(n), f"Dòng {n}") for n in range(10))
    )
    render.render(long_list, ZALO, typed={})
    render.render(OutboundMessage("Bấm nút bên dưới."), CONSOLE, typed={})
    assert len(text_pages_checked) == 2
    assert "longer than 9" in text_pages_checked[0] and "'Bấm'" in text_pages_checked[1]
    text_pages_checked.clear()  # found, as it should be: the test itself passes
