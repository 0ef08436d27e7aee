"""The fake Zalo Bot API behaves as the real one is documented to (2026): spoken to over HTTP
with a plain client, as anyone would."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.fakes.zalo_api import FakeZaloAPI


@pytest.fixture
async def api() -> FakeZaloAPI:
    async with FakeZaloAPI(max_poll_wait=0.2) as fake:
        yield fake


async def call(
    api: FakeZaloAPI, method: str, *, how: str = "json", token: str | None = None, **params: Any
) -> tuple[int, dict[str, Any]]:
    url = f"{api.url}/bot{token or api.token}/{method}"
    async with aiohttp.ClientSession() as http:
        if how == "json":
            request = http.post(url, json=params)
        elif how == "form":
            request = http.post(url, data={k: str(v) for k, v in params.items()})
        else:
            request = http.get(url, params={k: str(v) for k, v in params.items()})
        async with request as response:
            return response.status, await response.json()


async def test_answers_and_errors_have_the_documented_shape(api: FakeZaloAPI) -> None:
    status, me = await call(api, "getMe", how="query")
    assert status == 200 and me["ok"] is True
    assert set(me["result"]) == {"id", "account_name", "account_type", "can_join_groups"}
    status, wrong = await call(api, "getMe", token="nope")
    assert status == 401 and wrong["ok"] is False and wrong["error_code"] == 401
    status, unknown = await call(api, "sendVoice", chat_id="x")  # "wrong path or API name"
    assert (status, unknown["description"]) == (400, "Bad request")


async def test_an_idle_poll_may_come_as_ok_false_under_http_200() -> None:
    async with FakeZaloAPI(max_poll_wait=0.05, idle_ok_false=True) as api:
        status, idle = await call(api, "getUpdates", timeout=1)
    assert status == 200 and idle == {
        "ok": False,
        "error_code": 408,
        "description": "Request timeout",
    }


async def test_lengths_are_counted_in_utf16_units(api: FakeZaloAPI) -> None:
    api.add_chat("u1")
    assert (await call(api, "sendMessage", chat_id="u1", text="🚨" * 1000))[0] == 200
    assert (await call(api, "sendMessage", chat_id="u1", text="🚨" * 1000 + "!"))[0] == 400


def test_a_mention_picked_in_a_group_is_marked_with_its_position() -> None:
    api = FakeZaloAPI(mark_mentions=True, bot_name="Bot Bình Yên")
    update = api.text_message("@Bot Bình Yên 1", user_id="u1", chat_id="g1", chat_type="GROUP")
    mention = {"uid": api.bot_id, "offset": 0, "length": len("@Bot Bình Yên")}
    assert update["message"]["mentions"] == [mention]


async def test_get_updates_gives_one_update_then_408_when_idle(api: FakeZaloAPI) -> None:
    first = api.push_update(api.text_message("một", user_id="u1"))
    api.push_update(api.text_message("hai", user_id="u1"))
    status, body = await call(api, "getUpdates", timeout=30)
    assert status == 200 and body["result"] == first  # one update object, not a list
    assert (await call(api, "getUpdates", how="form", timeout=30))[1]["result"]["message"][
        "text"
    ] == "hai"
    status, idle = await call(api, "getUpdates", timeout=30)
    assert status == 408 and idle["error_code"] == 408
    api.replay_read()  # already-read updates may come back
    assert (await call(api, "getUpdates", timeout=1))[1]["result"]["message"]["text"] == "hai"


async def test_polling_faster_than_allowed_is_refused() -> None:
    async with FakeZaloAPI(max_poll_wait=0.05, min_poll_interval=0.5) as api:
        assert (await call(api, "getUpdates", timeout=1))[0] == 408
        assert (await call(api, "getUpdates", timeout=1))[0] == 429


async def test_webhooks_need_a_secret_and_stop_polling(api: FakeZaloAPI) -> None:
    assert (await call(api, "getWebhookInfo"))[0] == 404
    assert (await call(api, "setWebhook", url="https://x.vn/hook"))[0] == 400
    assert (await call(api, "setWebhook", url="https://x.vn/hook", secret_token="short"))[0] == 400
    status, _ = await call(api, "setWebhook", url="https://x.vn/hook", secret_token="s" * 8)
    assert status == 200 and api.webhook is not None
    assert (await call(api, "getWebhookInfo"))[1]["result"]["url"] == "https://x.vn/hook"
    assert (await call(api, "getUpdates", timeout=1))[0] == 409
    assert (await call(api, "deleteWebhook"))[0] == 200
    assert (await call(api, "getWebhookInfo"))[0] == 404


async def test_sending_limits(api: FakeZaloAPI) -> None:
    assert (await call(api, "sendMessage", chat_id="u1", text="chào"))[0] == 400  # never wrote
    api.add_chat("u1")
    status, sent = await call(api, "sendMessage", chat_id="u1", text="x" * 2000)
    assert status == 200 and sent["result"]["message_id"]
    assert (await call(api, "sendMessage", chat_id="u1", text="x" * 2001))[0] == 400
    assert (await call(api, "sendPhoto", chat_id="u1", photo="/local/file.png"))[0] == 400
    assert (await call(api, "sendPhoto", chat_id="u1", photo=api.image_url()))[0] == 200
    assert (await call(api, "sendChatAction", chat_id="u1", action="typing"))[0] == 200
    assert (await call(api, "sendMessage", chat_id="u1", text="hi", parse_mode="HTML"))[0] == 400
    api.block_user("u1")
    status, refused = await call(api, "sendMessage", chat_id="u1", text="chào")
    assert (status, refused["description"]) == (403, "Internal server error")


async def test_the_monthly_quota() -> None:
    async with FakeZaloAPI(monthly_quota=2) as api:
        api.add_chat("u1")
        for _ in range(2):
            assert (await call(api, "sendMessage", chat_id="u1", text="chào"))[0] == 200
        status, refused = await call(api, "sendMessage", chat_id="u1", text="chào")
    assert status == 429 and refused["description"] == "Quota exceeded"
