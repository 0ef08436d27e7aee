"""People: joining, consent, invites, linked accounts, one's data."""
