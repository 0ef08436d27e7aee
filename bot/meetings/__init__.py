"""Group meetings: scheduling with a rotating host, invitations and answers, reminders, minutes,
tasks, and the group's meeting book. See docs/MEETINGS.md."""
