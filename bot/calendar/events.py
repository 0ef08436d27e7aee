"""Calendar events: the national defaults (docs/CALENDAR.md) merged with a commune's own rows.

A national event's title and text are English msgids translated through the catalogs; a
commune's own event carries its words in Vietnamese and English.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar.audience import check_audience
from bot.calendar.rules import Lead, Rule, parse_leads, parse_rule
from bot.i18n import N_, Translator
from storage.models import CalendarEvent
from storage.repos.calendar import event_rows


@dataclass(frozen=True)
class Event:
    id: str  # in dedupe keys: the key for national events, "<commune>.<key>" for local ones
    key: str
    title: str
    rule: Rule
    audience: str
    leads: tuple[Lead, ...]
    text: str  # a msgid (national), or the Vietnamese text (local)
    text_en: str | None = None
    local: bool = False
    # Shipped as an example a commune switches on (`calendar on --key …`), not sent by default.
    example: bool = False

    def render_title(self, t: Translator) -> str:
        return self.title if self.local else t.gettext(self.title)

    def render_text(self, t: Translator) -> str:
        if not self.local:
            return t.gettext(self.text)
        return (self.text_en or self.text) if t.locale == "en" else self.text


def _national(
    key: str, rule: str, audience: str, leads: str, title: str, text: str, *, example: bool = False
) -> Event:
    return Event(
        key, key, title, parse_rule(rule), audience, parse_leads(leads), text, example=example
    )


NATIONAL: tuple[Event, ...] = (
    _national(
        "drug_month",
        "month:6",
        "all",
        "0d",
        N_("Month of Action against Drugs"),
        N_(
            "June is the Month of Action against Drugs and the Month of Action for Children. "
            "Talk with your family about the dangers of drugs, and report any drug dealing you "
            "see to the commune police."
        ),
    ),
    _national(
        "environment_day",
        "date:5/6",
        "group_chats",
        "0d",
        N_("World Environment Day"),
        N_("Today is World Environment Day: keep the lanes of our group clean and tidy."),
    ),
    _national(
        "anti_drug_day",
        "date:26/6",
        "all",
        "7d,1d,0d",
        N_("National Day against Drugs (26/6)"),
        N_(
            "26 June is the National Day against Drugs. Every household keeps its members, "
            "above all the young, away from drugs. Report drug use or dealing to the commune "
            "police; your identity is kept secret."
        ),
    ),
    _national(
        "trafficking_day",
        "date:30/7",
        "all",
        "1d,0d",
        N_("National Day against Human Trafficking (30/7)"),
        N_(
            "30 July is the National Day against Human Trafficking. Beware of offers of easy, "
            "well-paid work far away or abroad; ask the commune police before you go."
        ),
    ),
    _national(
        "festival_season",
        "window:1/7-19/8",
        "leaders",
        "0d",
        N_("Festival season of the people's security movement"),
        N_(
            "From 1 July to 19 August villages hold the Festival of the People Protecting "
            "National Security. Plan your group's part in the village festival."
        ),
    ),
    _national(
        "security_day",
        "date:19/8",
        "all",
        "7d,1d,0d",
        N_("Festival of the People Protecting National Security (19/8)"),
        N_(
            "19 August is the Festival of the People Protecting National Security. Join your "
            "village's festival."
        ),
    ),
    _national(
        "traffic_month",
        "month:9",
        "all",
        "0d",
        N_("Traffic Safety Month"),
        N_(
            "September is Traffic Safety Month: wear a helmet, do not drink and drive, and keep "
            "children off motorbikes they cannot handle."
        ),
    ),
    _national(
        "fire_day",
        "date:4/10",
        "all",
        "1d,0d",
        N_("National Fire Prevention Day (4/10)"),
        N_(
            "4 October is National Fire Prevention Day. Check your household's electric wiring, "
            "gas stoves and fire extinguisher."
        ),
    ),
    _national(
        "law_day",
        "date:9/11",
        "all",
        "0d",
        N_("Vietnam Law Day (9/11)"),
        N_(
            "9 November is Vietnam Law Day. Learn and follow the law; ask the commune police "
            "when in doubt."
        ),
    ),
    _national(
        "unity_day",
        "date:18/11",
        "all",
        "7d,1d",
        N_("Great National Unity Day in residential areas (18/11)"),
        N_(
            "18 November is the Great National Unity Day in residential areas. Join your "
            "village's gathering."
        ),
    ),
    _national(
        "tet_campaign",
        "window:15/12-lunar:15/1",
        "all",
        "0d",
        N_("Peak campaign against crime before and after Tết"),
        N_(
            "From today until after Tết the commune police run their peak campaign against "
            "crime. Lock your house and vehicles, beware of theft and gambling, and report "
            "anything suspicious at once."
        ),
    ),
    _national(
        "kitchen_gods",
        "lunar:23/12",
        "all",
        "0d",
        N_("Kitchen Gods' Day (23rd of the 12th lunar month)"),
        N_(
            "Today is the 23rd of the 12th lunar month: when burning votive paper, stay by the "
            "fire until it is out. Tết is near: watch your house and belongings."
        ),
    ),
    _national(
        "tet",
        "lunar:1/1",
        "all",
        "1d",
        N_("Lunar New Year (Tết)"),
        N_(
            "Tết is tomorrow. No explosive fireworks, no drinking and driving. Happy new year "
            "from the commune police and your group."
        ),
    ),
    _national(
        "first_full_moon",
        "lunar:15/1",
        "group_chats",
        "0d",
        N_("First full moon of the year"),
        N_(
            "Today is the first full moon of the lunar year: keep an eye on your belongings at "
            "crowded pagodas and festivals."
        ),
    ),
    _national(
        "seventh_full_moon",
        "lunar:15/7",
        "group_chats",
        "0d",
        N_("Full moon of the seventh lunar month"),
        N_(
            "Today is the full moon of the seventh lunar month: when burning votive paper, "
            "stay by the fire until it is out."
        ),
    ),
    _national(
        "pledge_drive",
        "window:1/1-31/3",
        "unpledged",
        "0d",
        N_("Household safety pledge drive"),
        N_(
            "The first quarter is the time to sign your household's yearly safety pledge. "
            "Choose “Safety pledge” in the menu."
        ),
    ),
    # Report deadlines differ by locality: these three come from one 2022 district plan (a
    # commune council's deadlines to a district, a level gone since 2025), kept as examples.
    _national(
        "report_quarter",
        "quarterly:25/3",
        "leaders",
        "7d,1d",
        N_("Quarterly report deadline"),
        N_("The quarterly report of your group is due to the commune police."),
        example=True,
    ),
    _national(
        "report_half_year",
        "date:5/6",
        "leaders",
        "7d,1d",
        N_("Half-year report deadline"),
        N_("The half-year report of your group is due to the commune police."),
        example=True,
    ),
    _national(
        "report_year",
        "date:5/10",
        "leaders",
        "7d,1d",
        N_("Yearly report deadline"),
        N_("The yearly report of your group is due to the commune police."),
        example=True,
    ),
)
NATIONAL_KEYS = {event.key: event for event in NATIONAL}


def from_row(row: CalendarEvent) -> Event:
    """A commune's row: its own event, or its change of a national one."""
    national = NATIONAL_KEYS.get(row.key)
    if national is not None and row.text_vi is None:
        return Event(
            national.id,
            row.key,
            national.title,
            parse_rule(row.rule),
            check_audience(row.audience),
            parse_leads(row.leads),
            national.text,
        )
    return Event(
        f"{row.commune_code}.{row.key}",
        row.key,
        row.title,
        parse_rule(row.rule),
        check_audience(row.audience),
        parse_leads(row.leads),
        row.text_vi or "",
        row.text_en,
        local=True,
    )


async def events_of(session: AsyncSession, commune_code: str) -> list[Event]:
    """The commune's calendar: national events, changed or switched off by its rows (the
    examples only when switched on), and its own events."""
    rows = {row.key: row for row in await event_rows(session, commune_code)}
    events = []
    for event in NATIONAL:
        row = rows.pop(event.key, None)
        if row is None:
            if not event.example:
                events.append(event)
        elif row.enabled:
            events.append(from_row(row))
    events += [from_row(row) for row in rows.values() if row.enabled]
    return events
