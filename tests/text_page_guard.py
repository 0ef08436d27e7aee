"""Every message the Zalo and terminal channels render, in every test, is checked as a text page
(tests/text_pages.py): no numbered list longer than 9, no "bấm"/"nhấn"/"nút" (issue #13).

The channels' own renderer is wrapped, so the end-to-end suites (the real Zalo client against
the fake Zalo API, the terminal chat) are covered without each test asking for it. A finding is
kept and fails the test at teardown: raised inside a send, it would only be retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.runtime.channels import render, text_render
from tests.text_pages import check_text_page

RENDERING_MODULES = (render,)  # the one renderer of every channel (bot.runtime.channels)


@pytest.fixture(autouse=True)
def text_pages_checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The findings of this test; empty when every rendered page was fine."""
    findings: list[str] = []

    def checked(*args: Any, **kwargs: Any) -> str:
        page = text_render.render_text(*args, **kwargs)
        try:
            check_text_page(page)
        except AssertionError as problem:
            findings.append(str(problem))
        return page

    for module in RENDERING_MODULES:
        monkeypatch.setattr(module, "render_text", checked)
    yield findings
    assert not findings, "text pages the Zalo or terminal channel rendered:\n" + "\n\n".join(
        findings
    )
