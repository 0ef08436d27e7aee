"""Invitations: the codes' rules, the `python -m bot invite` commands, the printable poster, and
the leader's "Invite residents" conversation."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy import delete, func, select

from bot.authz import PRIVILEGED_ROLES
from bot.cli import _parser
from bot.config import Settings
from bot.invite_cli import CreateRequest, bot_username, create_command, list_command
from bot.invite_cli import revoke_command as cli_revoke
from bot.invite_poster import PAGE_SIZE, PosterContent, last_full_day, render_poster
from bot.messages import EventKind, OutboundMessage
from bot.people.consent import CONSENT_VERSION
from bot.people.invites import (
    ALPHABET,
    PRIVILEGED_MAX_AGE,
    InviteProblem,
    check_invite,
    create_invite,
    generate_code,
    redeem,
    revoke,
    telegram_link,
)
from bot.runtime.dialog.engine import DialogEngine
from handlers import build_flows
from storage.base import utcnow
from storage.db import Database
from storage.models import (
    ChannelAccount,
    Group,
    Invite,
    Person,
    Role,
    RoleAssignment,
    ScopeKind,
)
from tests.conversation import Chat
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.org_fixtures import CHANNEL, THANH_MY, Org, invite_for, small_commune

DEEP_LINK_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
BOT = "binhyen_bot"


@pytest.fixture
async def org(db: Database) -> Org:
    return await small_commune(db)


async def invites_of_group(db: Database, group_id: int) -> list[Invite]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(Invite).where(Invite.scope_id == str(group_id)).order_by(Invite.id)
        )
        return list(rows)


async def invite_count(db: Database) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(Invite)) or 0


# --- the codes --------------------------------------------------------------------------------
def test_codes_fit_the_deep_link_payload_and_are_easy_to_type() -> None:
    codes = {generate_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert DEEP_LINK_PAYLOAD.match(code) and len(code) <= 64
        assert set(code) <= set(ALPHABET)
        assert not set(code) & set("01OIL")  # nothing that reads as something else
    link = telegram_link(BOT, "KX7M4PQ2")
    assert link == f"https://t.me/{BOT}?start=KX7M4PQ2"


@pytest.mark.parametrize("role", sorted(PRIVILEGED_ROLES))
async def test_a_privileged_invite_is_single_use_and_expires_within_7_days(
    db: Database, org: Org, role: str
) -> None:
    now = utcnow()
    async with db.transaction() as session:
        invite = await create_invite(
            session,
            commune_code=THANH_MY,
            role=role,
            scope_kind=ScopeKind.COMMUNE,
            scope_id=THANH_MY,
            now=now,
            valid_for=timedelta(days=60),  # asked for more: not given
            max_uses=20,
        )
    assert invite.max_uses == 1
    assert invite.expires_at is not None
    assert invite.expires_at - now <= PRIVILEGED_MAX_AGE


async def test_a_resident_invite_lasts_90_days_with_any_number_of_uses(
    db: Database, org: Org
) -> None:
    invite = await invite_for(db, org)
    assert invite.max_uses is None
    assert invite.expires_at is not None
    assert timedelta(days=89) < invite.expires_at - invite.created_at <= timedelta(days=90)


async def test_a_single_use_invite_cannot_be_redeemed_twice(db: Database, org: Org) -> None:
    invite = await invite_for(db, org, role=Role.GROUP_LEADER)
    async with db.transaction() as session:
        first = await check_invite(session, invite.code, utcnow())
        assert first.ok and first.invite is not None
        assert await redeem(session, first.invite)
    async with db.transaction() as session:
        stale = await session.get(Invite, invite.id)
        assert stale is not None
        assert not await redeem(session, stale)
        again = await check_invite(session, invite.code, utcnow())
    assert again.problem is InviteProblem.USED_UP


async def test_expired_revoked_used_up_and_unknown_codes_are_told_apart(
    db: Database, org: Org
) -> None:
    expiring = await invite_for(db, org, valid_for=timedelta(days=1))
    revoked = await invite_for(db, org)
    limited = await invite_for(db, org, max_uses=2)
    now = utcnow()
    async with db.transaction() as session:
        assert await revoke(session, revoked.code, now)
        invite = await session.get(Invite, limited.id)
        assert invite is not None
        assert await redeem(session, invite) and await redeem(session, invite)
        assert not await redeem(session, invite)

        later = now + timedelta(days=2)
        assert (await check_invite(session, expiring.code, now)).ok
        assert (await check_invite(session, expiring.code, later)).problem is InviteProblem.EXPIRED
        assert (await check_invite(session, revoked.code, now)).problem is InviteProblem.REVOKED
        assert (await check_invite(session, limited.code, now)).problem is InviteProblem.USED_UP
        assert (await check_invite(session, "ZZZZZZZZ", now)).problem is InviteProblem.UNKNOWN
        assert (await check_invite(session, "bad code!", now)).problem is InviteProblem.UNKNOWN
        # typed on a phone: lower case, a space or a dash in the middle
        typed = f"{expiring.code[:4].lower()} -{expiring.code[4:].lower()}"
        assert (await check_invite(session, typed, now)).ok


# --- the command line -------------------------------------------------------------------------
def run_output() -> tuple[io.StringIO, io.StringIO]:
    return io.StringIO(), io.StringIO()


async def test_the_cli_creates_an_invite_with_its_link_code_and_poster(
    db: Database, org: Org, settings: Settings, tmp_path: Path
) -> None:
    out, err = run_output()
    poster = tmp_path / "to1.png"
    request = CreateRequest(commune=THANH_MY, group="to 1", role=Role.RESIDENT, out=poster)
    code = await create_command(db, settings, request, username=BOT, out=out, err=err)

    assert code == 0, err.getvalue()
    [invite] = await invites_of_group(db, org.groups["Tổ 1"])
    printed = out.getvalue()
    assert f"https://t.me/{BOT}?start={invite.code}" in printed
    assert f"/join {invite.code}" in printed
    assert "Tổ 1, Ấp Mỹ Thạnh, Xã Thanh Mỹ" in printed
    assert "unlimited" in printed and str(poster) in printed
    assert invite.created_by is None and invite.max_uses is None
    assert Image.open(poster).size == PAGE_SIZE


async def test_the_cli_names_places_without_diacritics_and_caps_privileged_invites(
    db: Database, org: Org, settings: Settings, tmp_path: Path
) -> None:
    out, err = run_output()
    request = CreateRequest(
        commune=THANH_MY,
        village="MY PHU",  # a part of "Ấp Mỹ Phú"
        role=Role.VILLAGE_HEAD,
        days=30,
        max_uses=5,
        out=tmp_path / "head.png",
    )
    assert await create_command(db, settings, request, username=BOT, out=out, err=err) == 0
    async with db.transaction() as session:
        invite = await session.scalar(select(Invite).where(Invite.role == Role.VILLAGE_HEAD))
    assert invite is not None
    assert invite.scope_kind == ScopeKind.VILLAGE
    assert invite.scope_id == str(org.villages["Ấp Mỹ Phú"])
    assert invite.max_uses == 1
    assert invite.expires_at is not None
    assert invite.expires_at - invite.created_at <= PRIVILEGED_MAX_AGE
    assert "capped" in out.getvalue() and "at most 1" in out.getvalue()


async def test_the_cli_refuses_an_ambiguous_group_name_in_one_line(
    db: Database, org: Org, settings: Settings, tmp_path: Path
) -> None:
    async with db.transaction() as session:
        session.add(Group(village_id=org.villages["Ấp Mỹ Phú"], name="Tổ 1"))
    out, err = run_output()
    request = CreateRequest(
        commune=THANH_MY, group="TO 1", role=Role.RESIDENT, out=tmp_path / "x.png"
    )
    assert await create_command(db, settings, request, username=BOT, out=out, err=err) == 2
    message = err.getvalue()
    assert message.count("\n") == 1 and "several groups" in message
    assert "Ấp Mỹ Thạnh" in message and "Ấp Mỹ Phú" in message
    assert out.getvalue() == "" and not (tmp_path / "x.png").exists()
    assert await invite_count(db) == 0

    # naming the village settles it
    request = CreateRequest(
        commune=THANH_MY,
        village="ap my phu",
        group="to 1",
        role=Role.RESIDENT,
        out=tmp_path / "x.png",
    )
    assert await create_command(db, settings, request, username=BOT, out=out, err=err) == 0
    assert "Tổ 1, Ấp Mỹ Phú" in out.getvalue()


@pytest.mark.parametrize(
    ("request_values", "complaint"),
    [
        ({"role": Role.RESIDENT, "village": "my thanh"}, "--group is needed"),
        ({"role": Role.GROUP_LEADER}, "--group is needed"),
        ({"role": Role.VILLAGE_HEAD, "group": "to 1"}, "village role"),
        ({"role": Role.VILLAGE_HEAD}, "--village is needed"),
        ({"role": Role.COMMUNE_POLICE, "village": "my thanh"}, "commune role"),
        ({"role": Role.RESIDENT, "group": "to 9"}, "No group 'to 9'"),
        ({"role": Role.RESIDENT, "group": "99999"}, "No group '99999'"),
        ({"role": Role.VILLAGE_HEAD, "village": "ap"}, "several villages"),
        ({"role": Role.RESIDENT, "group": "to 3", "village": "my thanh"}, "No group 'to 3'"),
        ({"role": Role.COMMUNE_ADMIN, "commune": "00000"}, "No commune"),
    ],
)
async def test_the_cli_checks_that_the_place_fits_the_role(
    db: Database,
    org: Org,
    settings: Settings,
    tmp_path: Path,
    request_values: dict[str, str],
    complaint: str,
) -> None:
    out, err = run_output()
    request = CreateRequest(**{"commune": THANH_MY, "out": tmp_path / "p.png", **request_values})
    assert await create_command(db, settings, request, username=BOT, out=out, err=err) == 2
    assert complaint in err.getvalue()
    assert err.getvalue().count("\n") == 1
    assert await invite_count(db) == 0


async def test_the_cli_revokes_a_code(db: Database, org: Org) -> None:
    invite = await invite_for(db, org)
    out, _ = run_output()
    assert await cli_revoke(db, invite.code.lower(), out=out) == 0
    assert f"Revoked {invite.code}" in out.getvalue()
    async with db.transaction() as session:
        check = await check_invite(session, invite.code, utcnow())
    assert check.problem is InviteProblem.REVOKED
    assert await cli_revoke(db, invite.code, out=out) == 2  # once is enough
    assert await cli_revoke(db, "NOSUCH99", out=out) == 2


async def test_the_cli_lists_active_and_past_invites(
    db: Database, org: Org, settings: Settings
) -> None:
    active = await invite_for(db, org)
    revoked = await invite_for(db, org, group="Tổ 3")
    used_up = await invite_for(db, org, role=Role.GROUP_DEPUTY)
    expired = await invite_for(db, org, valid_for=timedelta(days=1))
    async with db.transaction() as session:
        await revoke(session, revoked.code, utcnow())
        invite = await session.get(Invite, used_up.id)
        assert invite is not None and await redeem(session, invite)
    out, _ = run_output()
    assert (
        await list_command(db, settings, THANH_MY, now=utcnow() + timedelta(days=2), out=out) == 0
    )
    lines = {line.split()[0]: line for line in out.getvalue().splitlines()[2:]}
    assert "active" in lines[active.code] and "0/∞" in lines[active.code]
    assert "revoked" in lines[revoked.code] and "Tổ 3, Ấp Mỹ Phú" in lines[revoked.code]
    assert "used up" in lines[used_up.code] and "1/1" in lines[used_up.code]
    assert "expired" in lines[expired.code]


async def test_the_cli_asks_telegram_for_the_bots_username(settings: Settings) -> None:
    assert await bot_username(settings) == (None, None)
    configured = settings.model_copy(update={"telegram_bot_username": "binhyen_vn_bot"})
    assert await bot_username(configured) == ("binhyen_vn_bot", None)
    async with FakeTelegramAPI(bot_username="binhyen_fake_bot") as api:
        with_token = settings.model_copy(
            update={"telegram_bot_token": api.token, "telegram_api_url": api.url}
        )
        assert await bot_username(with_token) == ("binhyen_fake_bot", None)
        assert api.calls("getMe")


async def test_without_a_username_the_cli_prints_the_code_and_says_what_is_missing(
    db: Database, org: Org, settings: Settings, tmp_path: Path
) -> None:
    out, err = run_output()
    request = CreateRequest(
        commune=THANH_MY, group="to 3", role=Role.RESIDENT, out=tmp_path / "p.png"
    )
    assert await create_command(db, settings, request, username=None, out=out, err=err) == 0
    assert "TELEGRAM_BOT_USERNAME" in out.getvalue()
    assert "/join " in out.getvalue() and "t.me" not in out.getvalue()


def test_the_invite_commands_are_part_of_python_m_bot() -> None:
    parser = _parser()
    args = parser.parse_args(
        ["invite", "create", "--commune", THANH_MY, "--group", "Tổ 1", "--role", "resident"]
    )
    assert args.group == "Tổ 1" and args.days is None and callable(args.run)
    assert callable(parser.parse_args(["invite", "revoke", "ABCD2345"]).run)
    assert callable(parser.parse_args(["invite", "list", "--commune", THANH_MY]).run)
    with pytest.raises(SystemExit):
        parser.parse_args(["invite", "create", "--commune", THANH_MY, "--role", "mayor"])


# --- the poster -------------------------------------------------------------------------------
def test_the_poster_is_an_a4_png_with_a_readable_qr_code_and_the_code(tmp_path: Path) -> None:
    link = telegram_link(BOT, "KX7M4PQ2")
    content = PosterContent(
        code="KX7M4PQ2",
        place="Tổ 1, Ấp Mỹ Thạnh, Xã Thanh Mỹ",
        link=link,
        expires_on=last_full_day(utcnow() + timedelta(days=90), ZoneInfo("Asia/Ho_Chi_Minh")),
    )
    poster = render_poster(content, tmp_path / "posters" / "KX7M4PQ2.png")

    image = Image.open(poster.path)
    assert image.format == "PNG" and image.size == PAGE_SIZE == (1240, 1754)
    assert round(image.info["dpi"][0]) == 150
    assert poster.qr_box is not None
    assert qr_modules_in(image, poster.qr_box, poster.qr_modules) == qr_matrix(link)
    if decoded := decode_qr(image):  # a decoder, when one is installed, reads the link too
        assert decoded == [link]
    # the code's box holds dark letters, not just its background
    assert dark_share(image.crop(poster.code_box)) > 0.1


def test_a_poster_without_the_bots_username_still_shows_the_code(tmp_path: Path) -> None:
    content = PosterContent(
        code="MMWW8888",
        place="Tổ tự quản số 12, Tổ dân phố Nguyễn Trãi Thượng, Phường Đông Hưng Thuận",
        link=None,
        expires_on=None,
        role=Role.GROUP_LEADER,
        max_uses=1,
    )
    poster = render_poster(content, tmp_path / "p.png")
    image = Image.open(poster.path)
    assert image.size == PAGE_SIZE and poster.qr_box is None
    assert dark_share(image.crop(poster.code_box)) > 0.1
    assert not list(tmp_path.glob(".poster-*"))  # written through a temporary file


def test_a_poster_for_a_very_long_place_name_still_fits(tmp_path: Path) -> None:
    link = telegram_link("binhyen_commune_security_bot", "MMWW8888")
    content = PosterContent(
        code="MMWW8888",
        place=", ".join(
            ("Tổ tự quản khu dân cư số mười hai " * 3, "Ấp Mỹ Thạnh Đông " * 6, "Xã A")
        ),
        link=link,
        expires_on=None,
        role=Role.SECURITY_TEAM,
        max_uses=1,
    )
    poster = render_poster(content, tmp_path / "long.png")
    assert poster.qr_box is not None and poster.qr_box[3] < poster.code_box[1]
    image = Image.open(poster.path)
    assert qr_modules_in(image, poster.qr_box, poster.qr_modules) == qr_matrix(link)


def qr_matrix(link: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    qr.add_data(link)
    qr.make(fit=True)
    return qr.get_matrix()


def qr_modules_in(image: Image.Image, box: tuple[int, int, int, int], modules: int) -> list:
    """The QR symbol read back from the page: dark or light at each module's centre."""
    left, top, right, _ = box
    size = (right - left) / modules
    gray = image.convert("L")
    return [
        [
            gray.getpixel((int(left + (x + 0.5) * size), int(top + (y + 0.5) * size))) < 128
            for x in range(modules)
        ]
        for y in range(modules)
    ]


def decode_qr(image: Image.Image) -> list[str]:
    try:
        import zxingcpp  # type: ignore[import-not-found]
    except ImportError:
        return []
    return [result.text for result in zxingcpp.read_barcodes(image)]


def dark_share(image: Image.Image) -> float:
    histogram = image.convert("L").histogram()
    return sum(histogram[:100]) / sum(histogram)


# --- the leader's conversation ----------------------------------------------------------------
@pytest.fixture
def named_engine(db: Database, settings: Settings) -> DialogEngine:
    """The engine of a bot whose username is configured, as in production."""
    named = settings.model_copy(update={"telegram_bot_username": BOT})
    return DialogEngine(db=db, flows=build_flows(), settings=named)


@pytest.fixture
def leader(named_engine: DialogEngine, org: Org) -> Chat:
    return Chat(named_engine, user_id="leader1", channel=CHANNEL)


async def add_role(db: Database, org: Org, person: str, role: str, group: str) -> None:
    async with db.transaction() as session:
        session.add(
            RoleAssignment(
                person_id=org.people[person],
                role=role,
                scope_kind=ScopeKind.GROUP,
                scope_id=str(org.groups[group]),
            )
        )


async def add_resident(db: Database, org: Org, user_id: str) -> None:
    async with db.transaction() as session:
        person = Person(
            full_name="Trần Thị Lan", commune_code=THANH_MY, consent_version=CONSENT_VERSION
        )
        session.add(person)
        await session.flush()
        session.add(
            RoleAssignment(
                person_id=person.id,
                role=Role.RESIDENT,
                scope_kind=ScopeKind.GROUP,
                scope_id=str(org.groups["Tổ 1"]),
            )
        )
        session.add(
            ChannelAccount(
                channel=CHANNEL, external_user_id=user_id, chat_id=user_id, person_id=person.id
            )
        )


def photos(replies: list[OutboundMessage]) -> list[str]:
    return [reply.photo for reply in replies if reply.photo]


async def test_a_group_leader_gets_the_invitation_of_their_group_with_a_poster(
    db: Database, org: Org, leader: Chat
) -> None:
    await leader.says("/start")
    await leader.picks("Thêm…")  # a leader's main page is split: at most 9 lines (issue #13)
    assert "Mời người dân tham gia" in leader.choices()

    replies = await leader.picks("Mời người dân tham gia")
    [invite] = await invites_of_group(db, org.groups["Tổ 1"])
    leader.sees("Lời mời tham gia Tổ 1, Ấp Mỹ Thạnh, Xã Thanh Mỹ trên Bình Yên")
    leader.sees(f"https://t.me/{BOT}?start={invite.code}")
    leader.sees(f"Trên Zalo: nhắn /join {invite.code} cho Bình Yên")
    leader.sees("Mã này dùng được đến hết ngày")
    leader.sees("Bạn cần làm gì?")  # back at the menu
    [photo] = photos(replies)
    assert Path(photo).is_absolute() and Path(photo).name == f"{invite.code}.png"
    assert Image.open(photo).size == PAGE_SIZE
    assert invite.role == Role.RESIDENT and invite.max_uses is None
    assert invite.created_by == org.people["leader1"]
    assert invite.expires_at is not None
    assert invite.expires_at - invite.created_at == timedelta(days=90)


async def test_asking_again_gives_the_same_code_until_a_month_is_left(
    db: Database, org: Org, leader: Chat
) -> None:
    await leader.says("/moi")
    await leader.says("moi")  # typed without the slash, too
    invites = await invites_of_group(db, org.groups["Tổ 1"])
    assert len(invites) == 1
    async with db.transaction() as session:
        invite = await session.get(Invite, invites[0].id)
        assert invite is not None
        invite.expires_at = utcnow() + timedelta(days=29)
    await leader.says("/moi")
    newer = (await invites_of_group(db, org.groups["Tổ 1"]))[-1]
    assert newer.id != invites[0].id
    leader.sees(newer.code)


async def test_a_leader_of_two_groups_is_asked_which(db: Database, org: Org, leader: Chat) -> None:
    await add_role(db, org, "leader1", Role.GROUP_LEADER, "Tổ 2")
    replies = await leader.says("/moi")
    leader.sees("Bạn muốn mời người dân tham gia tổ nào?")
    assert leader.choices() == ["Tổ 1, Ấp Mỹ Thạnh", "Tổ 2, Ấp Mỹ Thạnh", "Hủy"]
    assert not photos(replies)

    replies = await leader.picks("Tổ 2, Ấp Mỹ Thạnh")
    [invite] = await invites_of_group(db, org.groups["Tổ 2"])
    leader.sees(f"/join {invite.code}")
    leader.sees("Tổ 2, Ấp Mỹ Thạnh, Xã Thanh Mỹ")
    assert len(photos(replies)) == 1
    assert await invites_of_group(db, org.groups["Tổ 1"]) == []


async def test_a_resident_neither_sees_the_entry_nor_gets_an_invitation(
    db: Database, org: Org, named_engine: DialogEngine
) -> None:
    await add_resident(db, org, "resident1")
    resident = Chat(named_engine, user_id="resident1", channel=CHANNEL)
    await resident.says("/start")
    assert "Mời người dân tham gia" not in resident.choices()
    for attempt in ("/moi", "/invite", "moi nguoi dan tham gia"):
        replies = await resident.says(attempt)
        resident.does_not_see("/join")
        assert not photos(replies)
    assert await invite_count(db) == 0


async def test_a_crafted_choice_of_a_group_the_leader_does_not_lead_is_refused(
    db: Database, org: Org, leader: Chat
) -> None:
    await add_role(db, org, "leader1", Role.GROUP_LEADER, "Tổ 2")
    await leader.says("/moi")
    question = leader.received[-1]
    # a button with another group's id, made up by the client: never offered, never accepted
    await leader.send(
        kind=EventKind.CHOICE, choice_key=str(org.groups["Tổ 3"]), choice_token=question.token
    )
    leader.sees("Xin lỗi, tôi chưa hiểu")
    assert await invite_count(db) == 0

    # a group that was offered, but which they no longer lead when they answer
    async with db.transaction() as session:
        await session.execute(
            delete(RoleAssignment).where(
                RoleAssignment.person_id == org.people["leader1"],
                RoleAssignment.scope_id == str(org.groups["Tổ 2"]),
            )
        )
    replies = await leader.picks("Tổ 2, Ấp Mỹ Thạnh")
    leader.sees("Xin lỗi, bạn không thể mời người dân tham gia tổ này.")
    leader.does_not_see("/join")
    assert not photos(replies)
    assert await invite_count(db) == 0


async def test_without_the_bots_username_the_leader_gets_the_code_and_the_poster(
    db: Database, org: Org, engine: DialogEngine
) -> None:
    leader = Chat(engine, user_id="leader3", channel=CHANNEL)
    replies = await leader.says("/moi")
    [invite] = await invites_of_group(db, org.groups["Tổ 3"])
    leader.sees(f"Trên Zalo hoặc Telegram: nhắn /join {invite.code} cho Bình Yên")
    leader.does_not_see("t.me")
    [photo] = photos(replies)
    assert Path(photo).name == f"{invite.code}-code-only.png"


async def test_a_commune_admin_without_groups_is_told_politely(
    db: Database, org: Org, named_engine: DialogEngine
) -> None:
    async with db.transaction() as session:
        session.add(
            RoleAssignment(
                person_id=org.people["police_y"],
                role=Role.COMMUNE_ADMIN,
                scope_kind=ScopeKind.COMMUNE,
                scope_id=org.other_commune,
            )
        )
    admin = Chat(named_engine, user_id="police_y", channel=CHANNEL)
    await admin.says("/moi")
    admin.sees("Xin lỗi, hiện chưa có tổ nào mà bạn có thể mời người dân tham gia.")
    assert await invite_count(db) == 0


async def test_the_invitation_speaks_english_to_english_users(
    db: Database, org: Org, named_engine: DialogEngine
) -> None:
    leader = Chat(named_engine, user_id="leader1", channel=CHANNEL, language="en")
    async with db.transaction() as session:
        account = await session.scalar(
            select(ChannelAccount).where(ChannelAccount.external_user_id == "leader1")
        )
        assert account is not None
        account.language = "en"
    await leader.says("/invite")
    leader.sees("Invitation to Bình Yên for Tổ 1, Ấp Mỹ Thạnh, Xã Thanh Mỹ")
    leader.sees("On Zalo: send this message to Bình Yên: /join ")
