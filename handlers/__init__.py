"""The conversations users see, one module each, registered here in menu order."""

from bot.people.consent import has_current_consent
from bot.runtime.dialog.flows import FlowRegistry
from handlers.broadcast import register as register_broadcast
from handlers.check_scam import CheckScam, check_scam_entry
from handlers.choose_language import ChooseLanguage, choose_language_entry
from handlers.emergency_numbers import EmergencyNumbers, emergency_numbers_entry
from handlers.group_chat import register as register_group_chat
from handlers.group_invite import GroupInvite, group_invite_entry
from handlers.information import information_flows
from handlers.joining import Joining, joining_entry
from handlers.joining_code import is_invite_code
from handlers.leader_tip_counts import (
    LeaderTipCounts,
    LeaderTipCountsSetting,
    leader_tip_counts_entry,
    leader_tip_counts_setting_entry,
)
from handlers.link_accounts import register as register_link_accounts
from handlers.local_events import register as register_local_events
from handlers.meetings import register as register_meetings
from handlers.minutes import register as register_minutes
from handlers.my_data import MyData, my_data_entry
from handlers.my_group import register as register_my_group
from handlers.my_tips import MyTips, my_tips_entry
from handlers.pledge import register as register_pledges
from handlers.pledge_coverage import PledgeCoverage, pledge_coverage_entry
from handlers.police_desk import PoliceDesk, police_desk_entry
from handlers.police_tips import OpenTips, open_tips_entry
from handlers.reminder_optout import register as register_reminder_optout
from handlers.remove_scam_warning import RemoveScamWarning, remove_scam_warning_entry
from handlers.report_settings import ReportSettings, report_settings_entry
from handlers.report_tip import ReportTip, report_tip_entry
from handlers.reports import PeriodicReport, periodic_report_entry
from handlers.scam_warnings import register as register_scam_warnings
from handlers.staff_invite import StaffInvite, staff_invite_entry
from handlers.tip_history import TipAudit, TipDetail, tip_audit_entry, tip_detail_entry
from handlers.tip_relay import register as register_tip_relay
from handlers.tip_triage import register as register_tip_triage
from handlers.web_login import WebLogin, web_login_entry


def build_flows() -> FlowRegistry:
    """Every flow and menu entry; later features add theirs here."""
    registry = FlowRegistry()
    registry.add(EmergencyNumbers(), emergency_numbers_entry)
    for flow, entry in information_flows():
        registry.add(flow, entry)
    registry.add(ChooseLanguage(), choose_language_entry)
    registry.add(GroupInvite(), group_invite_entry)
    registry.add(Joining(), joining_entry)
    registry.consent_flow = Joining.name
    registry.has_consent = has_current_consent
    registry.needs_consent = {"pledge", "meeting_answer"}
    registry.private_flows = {Joining.name, MyData.name, ReportTip.name, MyTips.name}
    registry.invite_code = is_invite_code  # a bare code typed where there are no deep links
    register_link_accounts(registry)
    registry.add(MyData(), my_data_entry)
    register_my_group(registry)
    register_pledges(registry)
    registry.add(PledgeCoverage(), pledge_coverage_entry)
    registry.add(PeriodicReport(), periodic_report_entry)
    registry.add(ReportSettings(), report_settings_entry)
    register_meetings(registry)
    register_minutes(registry)
    register_group_chat(registry)
    registry.add(PoliceDesk(), police_desk_entry)
    registry.add(OpenTips(), open_tips_entry)
    registry.add(TipDetail(), tip_detail_entry)
    registry.add(TipAudit(), tip_audit_entry)
    registry.add(StaffInvite(), staff_invite_entry)
    registry.add(LeaderTipCounts(), leader_tip_counts_entry)
    registry.add(LeaderTipCountsSetting(), leader_tip_counts_setting_entry)
    register_tip_triage(registry)
    register_tip_relay(registry)
    register_scam_warnings(registry)
    registry.add(RemoveScamWarning(), remove_scam_warning_entry)
    registry.add(ReportTip(), report_tip_entry)
    registry.add(CheckScam(), check_scam_entry)
    registry.add(MyTips(), my_tips_entry)
    register_broadcast(registry)
    register_reminder_optout(registry)
    register_local_events(registry)
    registry.add(WebLogin(), web_login_entry)
    # A short main menu for people who read it on Zalo as a numbered list: what is done rarely,
    # or a few times a year, is one line further, under "More…".
    registry.move_under_more(
        {
            "about",
            "privacy",
            "language",
            "mydata",
            "mbook",
            "tipcounts",
            "grpchat",
            "desk",
            "tipaudit",
            "staffinv",
            "tipcountset",
            "reports",
            "local_event",
            "reportset",
            "web",
            "scamlist",
            "scamunlist",
        }
    )
    return registry
