"""End to end on Zalo: the real bot (our Zalo client, engine, outbox, webhook server) talks HTTP
to the fake Zalo Bot API. Everything is typed: numbers for choices, commands for the buttons
under notices (Zalo has no buttons)."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import func, select

from bot.config import ConfigError, Settings
from bot.people.consent import CONSENT_VERSION
from bot.runtime.channels import base as channel_base
from storage.db import Database
from storage.models import (
    AuditEntry,
    ChannelAccount,
    MeetingRsvp,
    Membership,
    MembershipStatus,
    OutboxMessage,
    OutboxStatus,
    Person,
    Pledge,
    ProcessedUpdate,
    Role,
    RoleAssignment,
    RsvpAnswer,
    ScopeKind,
    Tip,
    TipAttachment,
    TipEvent,
    TipStatus,
)
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import ApiCall, FakeZaloAPI
from tests.org_fixtures import Org, invite_for, small_commune
from tests.telegram_harness import bot_running, telegram_settings
from tests.zalo_harness import (
    ZaloUser,
    fetch_photo,
    joined,
    last,
    local_zalo_webhook_url,
    number_of,
    zalo_settings,
    zalo_webhook_settings,
)

LEADER, POLICE = "z-hung", "z-bao"  # the leader of Tổ 1 and the commune's officer, on Zalo
DESK = "z-desk-group"


@pytest.fixture
async def api() -> FakeZaloAPI:
    async with FakeZaloAPI() as fake:
        yield fake


@pytest.fixture
async def org(db: Database, api: FakeZaloAPI) -> Org:
    org = await small_commune(db)
    async with db.transaction() as session:
        for user_id, key in ((LEADER, "leader1"), (POLICE, "police")):
            session.add(
                ChannelAccount(
                    channel="zalo",
                    external_user_id=user_id,
                    chat_id=user_id,
                    person_id=org.people[key],
                )
            )
            api.add_chat(user_id)  # they have written to the bot before
    return org


@pytest.fixture
def hook(settings: Settings, api: FakeZaloAPI) -> Settings:
    return zalo_webhook_settings(settings, api)


def code_in(texts: list[str], pattern: str = r"TB-[A-Z0-9]{4}") -> str:
    found = re.search(pattern, joined(texts))
    assert found, f"no {pattern} in {texts}"
    return found.group(0)


async def register_desk(api: FakeZaloAPI, hook: Settings) -> ZaloUser:
    """The officer gets a desk code privately and sends it in the group, mentioning the bot."""
    officer = ZaloUser(api, hook, POLICE, name="Bảo")
    code = code_in(await officer.says("/bantruc"), r"(?<=/bantruc )[A-Z0-9]{8}")
    desk = ZaloUser(api, hook, POLICE, name="Bảo", chat_id=DESK)
    assert "nhóm trực ban của Xã Thanh Mỹ" in last(await desk.says(f"@Bình Yên /bantruc {code}"))
    return desk


async def file_anonymous_tip(api: FakeZaloAPI, reporter: ZaloUser, photo_url: str) -> str:
    """A resident who never joined reports by typing, a photo included; returns the code."""
    await reporter.says("bao tin")
    which = last(await reporter.says("thanh my"))
    assert "Bạn muốn nói xã/phường nào?" in which
    category = last(await reporter.says(number_of(which, "Xã Thanh Mỹ,")))
    what = last(await reporter.says(number_of(category, "Trộm cắp")))
    assert "Chuyện gì đã xảy ra?" in what
    await reporter.says("Hai người lạ bẻ khóa xe máy trước nhà số 21.")
    assert "Đã thêm ảnh (1/5)" in last(await reporter.sends_photo(photo_url, "biển số xe"))
    when = last(await reporter.says("xong"))
    where = last(await reporter.says(number_of(when, "Hôm qua")))
    assert "(số nhà, đường, chỗ dễ nhận biết)." in where
    assert "nút" not in where and "vị trí" not in where  # no location button on Zalo
    updates = last(await reporter.says("Đầu hẻm đường Cây Dương"))
    summary = last(await reporter.says(number_of(updates, "Có, báo cho tôi")))
    assert "• Kèm theo: 1 ảnh" in summary and "• Cách gửi: ẩn danh" in summary
    sent = await reporter.says(number_of(summary, "Gửi"))
    return code_in(sent)


async def test_a_newcomer_joins_by_typing_the_code_and_the_leader_confirms_by_command(
    api: FakeZaloAPI, hook: Settings, db: Database, org: Org
) -> None:
    invite = await invite_for(db, org)
    async with bot_running(hook):
        thu = ZaloUser(api, hook, "z-thu", name="Thu")
        welcome, invited, consent = await thu.says(invite.code.lower())  # just the code
        assert "Chào mừng bạn đến với Bình Yên" in welcome
        assert "Tổ 1, Ấp Mỹ Thạnh, Xã Thanh Mỹ" in invited
        assert "1. Đồng ý\n2. Không đồng ý" in consent and "(Trả lời bằng số.)" in consent
        name_question = last(await thu.says("1"))
        assert "1. Thu" in name_question  # the Zalo display name, one number away
        phone_question = last(await thu.says("Phạm Thị Thu"))
        households = last(await thu.says("0912 345 678"))
        assert "Bỏ qua" in phone_question
        assert "Gõ số, hoặc bỏ qua." in phone_question and "nút" not in phone_question
        sent, menu = await thu.says(number_of(households, "21 đường Cây Dương"))
        assert "đã được gửi tới tổ trưởng" in sent

        leader = ZaloUser(api, hook, LEADER, name="Hùng")
        (notice,) = await leader.receives(1)
        assert "Thành viên mới của Tổ 1: Phạm Thị Thu" in notice
        command = code_in([notice], r"/xacnhan \d+")
        assert f"Xác nhận: gõ {command}" in notice
        assert "Đã xác nhận" in last(await leader.says(command))
        (good_news,) = await thu.receives(1)
        assert "Tổ 1 đã xác nhận bạn là thành viên" in good_news
        resident_menu = last(await thu.says("menu"))
        assert "Họp tổ" in resident_menu and "Tham gia tổ của tôi" not in resident_menu
        assert "Dữ liệu của tôi" in last(await thu.says(number_of(resident_menu, "Thêm…")))
        assert "đã được xử lý rồi" in last(await leader.says(command))  # typed twice
    assert "Tham gia tổ của tôi" in menu  # before confirmation: not yet in a group
    async with db.transaction() as session:
        person = await session.scalar(select(Person).where(Person.full_name == "Phạm Thị Thu"))
        assert person is not None and person.phone_encrypted is not None


async def test_an_anonymous_tip_with_a_photo_triaged_by_command_on_a_zalo_desk(
    api: FakeZaloAPI, hook: Settings, db: Database, org: Org
) -> None:
    photo = api.image_url(b"\xff\xd8\xff\xe0 the reporter's photo")
    async with bot_running(hook):
        desk = await register_desk(api, hook)
        reporter = ZaloUser(api, hook, "z-reporter", name="Người dân")
        code = await file_anonymous_tip(api, reporter, photo)

        card, picture = await desk.receives(2)
        assert picture == code  # the photo, captioned with the tip's code
        (arrived,) = await reporter.receives(1)  # told only now that police have it
        assert arrived == f"Công an xã đã nhận được tin báo {code} của bạn."
        assert f"Tin báo {code}" in card and "Người báo: ẩn danh" in card
        assert f"Tiếp nhận: gõ /tiepnhan {code}" in card
        assert f"Hỏi thêm người báo: gõ /hoi {code}" in card
        assert "Người dân" not in card and "z-reporter" not in card
        sent_photo = api.calls("sendPhoto")[-1].params["photo"]  # Zalo's URL, or our copy's
        assert await fetch_photo(hook, sent_photo) == b"\xff\xd8\xff\xe0 the reporter's photo"

        acknowledged = last(await desk.says(f"@Bình Yên /tiepnhan {code.lower()}"))
        assert f"{code}: đã tiếp nhận (Lâm Quốc Bảo)." in acknowledged
        (update,) = await reporter.receives(1)
        assert update == f"Công an xã đã tiếp nhận tin báo {code} của bạn."

        asked = last(await desk.says(f"@Bình Yên /hoi {code} Xe máy màu gì?"))
        assert f"Câu hỏi đã được gửi tới người báo tin {code}" in asked
        (question,) = await reporter.receives(1)
        assert "Xe máy màu gì?" in question and f"Trả lời: gõ /traloi {code}" in question
        answered = last(await reporter.says(f"/traloi {code} Xe Wave màu đỏ"))
        assert code in answered
        (answer,) = await desk.receives(1)
        assert "Xe Wave màu đỏ" in answer and code in answer

        closing = last(await desk.says(f"@Bình Yên /giaiquyet {code}"))
        assert "1. " in closing and "(Trả lời bằng số.)" in closing
        assert "Trong nhóm" in closing  # how to answer so that the bot sees it
        assert code in joined(await desk.says("1"))  # a reply to the bot: no mention needed
        (closed,) = await reporter.receives(1)
        assert f"Hài lòng: gõ /hailong {code}" in closed
        assert "Cảm ơn" in last(await reporter.says(f"/hailong {code}"))

        stranger = ZaloUser(api, hook, "z-stranger", name="Ai đó")
        assert "không dành cho bạn" in last(await stranger.says(f"/tiepnhan {code}"))
        assert "không dành cho bạn" in last(await stranger.says(f"/traloi {code} xin chào"))

        for _ in range(100):  # the evidence store fetches the photo by its URL
            async with db.transaction() as session:
                attachment = await session.scalar(select(TipAttachment))
            if attachment is not None and attachment.local_path:
                break
            await asyncio.sleep(0.05)
    tip = await _tip(db, code)
    assert tip.status == TipStatus.RESOLVED and tip.satisfied is True
    assert attachment is not None and attachment.sha256 and attachment.local_path
    async with db.transaction() as session:
        kinds = list(await session.scalars(select(TipEvent.kind).where(TipEvent.tip_id == tip.id)))
    assert {"question", "answer", "closing_note", "feedback"} <= set(kinds)


async def _tip(db: Database, code: str) -> Tip:
    async with db.transaction() as session:
        tip = await session.scalar(select(Tip).where(Tip.code == code))
        assert tip is not None
        return tip


async def test_unsupported_messages_are_answered_politely(api: FakeZaloAPI, hook: Settings) -> None:
    async with bot_running(hook):
        lan = ZaloUser(api, hook, "z-lan")
        sticker = await lan.sends_sticker()
        assert "Zalo không chuyển ghi âm, tệp hay vị trí cho tôi" in joined(sticker)
        unsupported = await lan.deliver(api.unsupported_message(user_id="z-lan"))
        assert "Zalo không chuyển ghi âm, tệp hay vị trí cho tôi" in joined(unsupported)


async def test_the_webhook_checks_the_secret_and_takes_wrapped_and_flat_bodies(
    api: FakeZaloAPI, hook: Settings, db: Database
) -> None:
    url = local_zalo_webhook_url(hook)
    async with bot_running(hook):
        assert api.webhook is not None and api.webhook["url"] == hook.zalo_webhook_url
        assert api.webhook["secret_token"] == hook.zalo_webhook_secret
        update = api.text_message("menu", user_id="z-lan")
        assert await api.post_webhook(update, url, secret="") == 403
        assert await api.post_webhook(update, url, secret="wrong-secret") == 403
        assert api.sent_messages("z-lan") == []
        assert await api.post_webhook(update, url) == 200  # {"ok": true, "result": …}
        assert await api.post_webhook(update, url) == 200  # delivered again: handled once
        flat = api.text_message("tro giup", user_id="z-lan")
        assert await api.post_webhook(flat, url, wrapped=False) == 200
    texts = api.texts("z-lan")
    assert len(texts) == 3 and "Bạn cần làm gì?" in texts[0] and "113" in texts[1]
    assert not api.calls("getUpdates")


async def test_polling_takes_one_update_at_a_time_and_ignores_replays(
    api: FakeZaloAPI, settings: Settings, db: Database, org: Org
) -> None:
    invite = await invite_for(db, org)
    polling = zalo_settings(settings, api)
    async with bot_running(polling):
        await api.wait_for_call("getUpdates", predicate=lambda c: c.status == 408, timeout=5)
        api.push_update(api.text_message(invite.code, user_id="z-thu", display_name="Thu"))
        await api.wait_for_messages("z-thu", 3)
        api.replay_read()  # Zalo hands the same message out again
        api.push_update(api.text_message("1", user_id="z-thu", display_name="Thu"))
        await api.wait_for_messages("z-thu", 4)
        api.replay_read(2)
        api.push_update(api.text_message("menu", user_id="z-lan"))
        await api.wait_for_messages("z-lan", 1)
    texts = api.texts("z-thu")
    assert len(texts) == 4, texts  # welcome, invited, consent, name question: nothing twice
    assert "Họ tên đầy đủ của bạn là gì?" in texts[3]
    async with db.transaction() as session:
        keys = await session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.channel == "zalo")
        )
    assert keys == 3
    assert api.webhook is None and api.calls("deleteWebhook")


async def test_polls_no_faster_than_once_a_second_by_default(
    settings: Settings,
) -> None:
    async with FakeZaloAPI(max_poll_wait=0.1, min_poll_interval=0.9) as api:
        polling = zalo_settings(settings, api, zalo_poll_interval=1.0)
        async with bot_running(polling):
            await api.wait_for_call("getUpdates", count=3, timeout=5, predicate=_answered)
        statuses = [c.status for c in api.calls("getUpdates") if _answered(c)]
    assert statuses.count(408) >= 3 and set(statuses) == {408}, statuses


def _answered(call: ApiCall) -> bool:
    """A poll the fake answered; 499 is the one in flight that the client closed on stopping."""
    return call.status not in (0, 499)


async def test_a_long_text_is_split_on_sentence_boundaries(
    api: FakeZaloAPI, hook: Settings
) -> None:
    from bot.messages import OutboundMessage

    api.add_chat("z-lan")
    long_text = " ".join(f"Câu số {n} khá dài để kiểm tra việc chia tin nhắn." for n in range(120))
    async with bot_running(hook) as app:
        assert app.zalo is not None
        await app.zalo.send("z-lan", OutboundMessage(long_text))
    parts = api.texts("z-lan")
    assert len(parts) == 4 and all(len(p) <= 2000 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == long_text


async def test_the_monthly_quota_makes_the_outbox_wait(settings: Settings, db: Database) -> None:
    from bot.messages import OutboundMessage
    from bot.runtime.channels.base import TryLater

    async with FakeZaloAPI(monthly_quota=1) as api:
        api.add_chat("z-lan")
        hook = zalo_webhook_settings(settings, api, zalo_monthly_quota=1000)
        async with bot_running(hook) as app:
            assert app.zalo is not None and app.workers["zalo"].quota is not None
            await app.zalo.send("z-lan", OutboundMessage("một"))
            with pytest.raises(TryLater) as refused:
                await app.zalo.send("z-lan", OutboundMessage("hai"))
            assert refused.value.retry_after is not None and refused.value.retry_after >= 600
            assert app.workers["zalo"].quota.short()  # campaign messages wait from now on
            app.workers["zalo"].pacer.pause(refused.value.retry_after)  # as the outbox does
            thu = ZaloUser(api, hook, "z-thu")
            started = asyncio.get_running_loop().time()
            assert await thu.says("menu") == []  # handled, the reply left in the outbox
            assert asyncio.get_running_loop().time() - started < 5
    assert api.calls("sendMessage")[-1].status == 429
    async with db.transaction() as session:
        waiting = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.chat_id == "z-thu", OutboxMessage.status != OutboxStatus.SENT)
        )
    assert waiting == 1


async def test_one_person_on_zalo_and_telegram_gets_news_of_their_tip_where_they_wrote_last(
    api: FakeZaloAPI, settings: Settings, db: Database, org: Org
) -> None:
    """A member on Zalo reports (anonymously), then links Telegram; news of the tip then
    reaches her on Telegram, and she answers police from there."""
    async with db.transaction() as session:
        lan = await session.get(Person, org.people["leader3"])  # a member who joined on Zalo
        assert lan is not None
        session.add(
            ChannelAccount(
                channel="zalo", external_user_id="z-nam", chat_id="z-nam", person_id=lan.id
            )
        )
    async with FakeTelegramAPI() as telegram:
        both = zalo_webhook_settings(telegram_settings(settings, telegram), api)
        async with bot_running(both):
            desk = await register_desk(api, both)
            nam = ZaloUser(api, both, "z-nam", name="Năm")
            code = await _member_tip(nam)
            await desk.receives(1)
            (arrived,) = await nam.receives(1)  # on Zalo: not linked yet
            assert "đã nhận được tin báo" in arrived

            # The code comes from the account that already is her, and is typed on the new one.
            link_code = code_in(await nam.says("/lienket"), r"(?<=/lienket )[A-Z0-9]{8}")
            telegram.push_update(telegram.user_message(f"/lienket {link_code}", user_id=4004))
            (waiting,) = await telegram.wait_for_messages(4004, 1)
            assert "hãy đồng ý trên tài khoản Zalo" in waiting["text"]
            (question,) = await nam.receives(1)
            assert "Liên kết tài khoản Telegram" in question and "1. Đồng ý" in question
            linked = joined(await nam.says("1"))
            assert "đã được liên kết với tài khoản Telegram" in linked
            (told,) = (await telegram.wait_for_messages(4004, 2))[1:]
            assert "Tài khoản Zalo của bạn đã đồng ý" in told["text"]
            telegram.push_update(telegram.user_message("menu", user_id=4004))
            (menu,) = (await telegram.wait_for_messages(4004, 3))[2:]
            assert "Tin tôi đã báo" in str(menu)

            await desk.says(f"@Bình Yên /tiepnhan {code}")
            (news,) = (await telegram.wait_for_messages(4004, 4))[3:]
            assert news["text"] == f"Công an xã đã tiếp nhận tin báo {code} của bạn."
            telegram.push_update(
                telegram.user_message(f"/traloi {code} Tôi ở nhà số 45", user_id=4004)
            )
            await telegram.wait_for_messages(4004, 5)
            (answer,) = await desk.receives(1)
            assert "Tôi ở nhà số 45" in answer
        assert [t for t in api.texts("z-nam") if "đã tiếp nhận tin báo" in t] == []
    async with db.transaction() as session:
        account = await session.scalar(
            select(ChannelAccount).where(ChannelAccount.channel == "telegram")
        )
        audited = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "account.link")
        )
    assert account is not None and account.person_id == org.people["leader3"]
    assert audited is not None and audited.actor_person_id == org.people["leader3"]


async def _member_tip(member: ZaloUser) -> str:
    """A member of Thanh Mỹ reports anonymously: the commune is known, no question about it."""
    category = last(await member.says("/baotin"))
    await member.says(number_of(category, "Trộm cắp"))
    await member.says("Có người lạ dò xét các nhà trong hẻm.")
    when = last(await member.says("xong"))
    await member.says(number_of(when, "Hôm nay"))
    anonymity = last(await member.says("Hẻm 45 đường Mỹ Phú"))
    updates = last(await member.says(number_of(anonymity, "Ẩn danh")))
    summary = last(await member.says(number_of(updates, "Có, báo cho tôi")))
    return code_in(await member.says(number_of(summary, "Gửi")))


async def _members_on_zalo(db: Database, org: Org, api: FakeZaloAPI) -> dict[str, str]:
    """Three confirmed members of Tổ 1 on Zalo, the first the head of 15 đường Cây Dương."""
    zalo_ids = {}
    async with db.transaction() as session:
        for key, name, address, roles in (
            ("lan", "Trần Thị Lan", "15 đường Cây Dương", (Role.RESIDENT, Role.HOUSEHOLD_HEAD)),
            ("tu", "Lê Văn Tư", "21 đường Cây Dương", (Role.RESIDENT, Role.HOUSEHOLD_HEAD)),
            ("sau", "Phạm Văn Sáu", "12 đường Cây Dương", (Role.RESIDENT,)),
        ):
            household = org.households[address]
            person = Person(
                full_name=name,
                commune_code=org.commune,
                consent_version=CONSENT_VERSION,
                household_id=household,
            )
            session.add(person)
            await session.flush()
            org.people[key] = person.id
            session.add(
                Membership(
                    person_id=person.id,
                    group_id=org.groups["Tổ 1"],
                    household_id=household,
                    status=MembershipStatus.CONFIRMED,
                )
            )
            for role in roles:
                session.add(
                    RoleAssignment(
                        person_id=person.id,
                        role=role,
                        scope_kind=ScopeKind.GROUP,
                        scope_id=str(org.groups["Tổ 1"]),
                    )
                )
            session.add(
                ChannelAccount(
                    channel="zalo",
                    external_user_id=f"z-{key}",
                    chat_id=f"z-{key}",
                    person_id=person.id,
                )
            )
            zalo_ids[key] = f"z-{key}"
            api.add_chat(f"z-{key}")
    return zalo_ids


async def test_a_household_pledges_on_zalo(
    api: FakeZaloAPI, hook: Settings, db: Database, org: Org
) -> None:
    ids = await _members_on_zalo(db, org, api)
    async with bot_running(hook):
        lan = ZaloUser(api, hook, ids["lan"], name="Lan")
        shown = await lan.says("cam ket")
        assert all(len(text) <= 2000 for text in api.texts(ids["lan"]))
        question = last(shown)
        assert "Hộ của bạn có cam kết thực hiện đầy đủ các nội dung trên không?" in joined(shown)
        done = joined(await lan.says(number_of(question, "Có, hộ tôi cam kết")))
        assert "Cam kết an toàn năm" in done and "đã được ghi nhận" in done
    async with db.transaction() as session:
        pledge = await session.scalar(select(Pledge))
    assert pledge is not None and pledge.channel == "zalo"
    assert pledge.household_id == org.households["15 đường Cây Dương"]


async def test_a_member_answers_a_meeting_invitation_on_zalo(
    api: FakeZaloAPI, hook: Settings, db: Database, org: Org
) -> None:
    ids = await _members_on_zalo(db, org, api)
    async with bot_running(hook):
        leader = ZaloUser(api, hook, LEADER, name="Hùng")
        code = code_in(await leader.says("/nhomto"), r"(?<=Ấp Mỹ Thạnh: )[A-Z0-9]{8}")
        group = ZaloUser(api, hook, LEADER, name="Hùng", chat_id="z-group-to1")
        registered = joined(await group.says(f"@Bình Yên /nhomto {code}"))
        assert "Nhóm này giờ là nhóm chat của Tổ 1, Ấp Mỹ Thạnh." in registered
        proposal = last(await leader.says("/lichhop"))
        assert "• Dùng ngày này" in proposal  # a date is asked: a number typed is a day (#13)
        host = last(await leader.says("dung ngay nay"))
        place = last(await leader.says(number_of(host, "12 đường Cây Dương")))
        ready = last(await leader.says(number_of(place, "Tại nhà chủ hộ")))
        sent = joined(await leader.says(number_of(ready, "Gửi thư mời")))
        assert "Thư mời đã được gửi tới 3 người" in sent

        tu = ZaloUser(api, hook, ids["tu"], name="Tư")
        (invitation,) = await tu.receives(1)
        assert "Họp Tổ 1, Ấp Mỹ Thạnh" in invitation
        assert "• Tham dự" in invitation and "• Vắng" in invitation  # words to type
        assert "Bạn sẽ tham dự buổi họp" in joined(await tu.says("tham du"))
        (announcement,) = await group.receives(1)  # posted in the group's Zalo chat too
        assert "Họp Tổ 1, Ấp Mỹ Thạnh" in announcement
    async with db.transaction() as session:
        answers = dict(
            (await session.execute(select(MeetingRsvp.person_id, MeetingRsvp.answer))).all()
        )
    assert answers[org.people["tu"]] == RsvpAnswer.ATTEND


async def test_the_bot_starts_while_zalo_is_unreachable_and_connects_later(
    api: FakeZaloAPI,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(channel_base, "FIRST_RETRY_SECONDS", 0.01)
    api.fail_next("getMe", status=502, times=2)
    async with bot_running(zalo_settings(settings, api)):  # the rest of the bot runs meanwhile
        assert "Zalo Bot API answered 502 at start; will keep trying" in caplog.text
        api.push_update(api.text_message("menu", user_id="z-lan"))
        await api.wait_for_messages("z-lan", 1)
    assert len(api.calls("getMe")) == 3


async def test_a_rejected_zalo_token_stops_the_start_with_one_line_naming_it(
    api: FakeZaloAPI, settings: Settings
) -> None:
    wrong = zalo_settings(settings, api, zalo_bot_token="999:WRONG")
    with pytest.raises(ConfigError, match="ZALO_BOT_TOKEN") as raised:
        async with bot_running(wrong):
            pass
    assert "999:WRONG" not in str(raised.value)
