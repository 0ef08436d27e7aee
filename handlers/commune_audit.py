"""The commune admin's audit log (/audit or /nhatky without a tip code): the latest role grants,
account links and unlinks, views of a reporter's identity and erasures in their commune; with
a tip code, /audit shows that tip's audit instead (handlers/police_tips.py)."""

from __future__ import annotations

from bot.i18n import N_
from bot.people.personal_data import audit
from bot.runtime.dialog.turn import Turn
from storage.repos.audit import commune_log
from storage.repos.org import communes_administered_by, full_names

ACTION_NAMES = {
    "role.grant": N_("role given"),
    "role.claim": N_("role taken up with a personal code"),
    "invite.personal": N_("personal code issued"),
    "account.link": N_("messenger account linked"),
    "account.link_refused": N_("account link refused"),
    "account.unlink": N_("messenger account unlinked"),
    "tip.read_identity": N_("reporter's identity viewed"),
    "person.erase": N_("personal data erased"),
    "person.withdraw_consent": N_("consent withdrawn, data erased"),
}


async def show_commune_log(turn: Turn) -> None:
    """The latest entries of the communes the reader administers; this look is audited too."""
    person = turn.person
    communes = await communes_administered_by(turn.session, person.id) if person else []
    if not communes or person is None:
        turn.say(turn._("Sorry, that is only for the commune admin."))
        return
    entries = await commune_log(turn.session, communes)
    ids = {e.actor_person_id for e in entries} | {
        int(e.subject_id) for e in entries if e.subject_kind == "person"
    }
    names = await full_names(turn.session, ids - {None})
    lines = [turn._("Audit log of your commune, newest first:"), ""]
    if not entries:
        lines.append(turn._("Nothing recorded yet."))
    for entry in entries:
        what = turn._(ACTION_NAMES[entry.action]) if entry.action in ACTION_NAMES else entry.action
        who = names.get(entry.actor_person_id, turn._("the bot"))
        about = (
            names.get(int(entry.subject_id), "—")
            if entry.subject_kind == "person"
            else entry.subject_id
        )
        detail = f" ({entry.detail})" if entry.detail and entry.action == "role.grant" else ""
        lines.append(f"• {turn.t.datetime(entry.at)} · {who} · {what}: {about}{detail}")
    lines += ["", turn._("For one tip: /audit TB-XXXX")]
    turn.say("\n".join(lines))
    audit(
        turn.session,
        actor=person.id,
        action="audit.view",
        subject_kind="commune",
        subject_id=",".join(communes)[:40],
        at=turn.now,
    )
