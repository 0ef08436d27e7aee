"""Persons, their messenger accounts and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, utcnow


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    # Encrypted with BOT_SECRET_KEY (bot.crypto); never stored or logged in clear.
    phone_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("communes.code"), index=True)
    # The version of the consent text this person last agreed to; None: never, or withdrawn.
    consent_version: Mapped[str | None] = mapped_column(String(20))
    # Set when the person erased their data: the row stays only so old references resolve.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Role(StrEnum):
    RESIDENT = "resident"
    HOUSEHOLD_HEAD = "household_head"
    GROUP_LEADER = "group_leader"
    GROUP_DEPUTY = "group_deputy"
    VILLAGE_HEAD = "village_head"
    SECURITY_TEAM = "security_team"
    COMMUNE_POLICE = "commune_police"
    COMMUNE_ADMIN = "commune_admin"


class ScopeKind(StrEnum):
    GROUP = "group"
    VILLAGE = "village"
    COMMUNE = "commune"


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("person_id", "role", "scope_kind", "scope_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    scope_kind: Mapped[str] = mapped_column(String(10))
    # A group or village id, or a commune code, as text so one column serves all three scopes.
    scope_id: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConsentDecision(StrEnum):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


class ConsentRecord(Base):
    """Each time a person agreed to a version of the consent text, or withdrew."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    text_version: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MembershipStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Membership(Base):
    """A person's request to belong to a group (and a household in it), decided by its leader."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invites.id"))
    # The person of the commune's list with the typed name, which the leader may confirm this
    # request as (bot.people.listed_match); a suggestion only.
    suggested_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    status: Mapped[str] = mapped_column(String(12), default=MembershipStatus.PENDING)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Invite(Base):
    """A code that lets whoever holds it join a group, village or commune in a role.

    The same code is the Telegram deep-link payload and what is typed on Zalo ("/join CODE").
    """

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    scope_kind: Mapped[str] = mapped_column(String(10))
    scope_id: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_uses: Mapped[int | None] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A personal invite: only for this person (an imported leader or officer claims their row
    # with it). None: whoever holds the code joins as a new person.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)


class AuditEntry(Base):
    """Who did what to whose data: every read of a reporter's identity, every export,
    correction and erasure. Holds ids and action names, never the personal data itself."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    action: Mapped[str] = mapped_column(String(40))
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(200))


class ChannelAccount(Base):
    """One user on one messenger; linked to a person once they joined."""

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("channel", "external_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_user_id: Mapped[str] = mapped_column(String(64))
    # The private chat with the user; where the bot writes to them unprompted.
    chat_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="vi")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    # The ids of the tips sent from this account, encrypted (bot.tips.own_tips): "my tips",
    # the relay and the rate limit find them without any value shared by the tips themselves.
    own_tips_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
