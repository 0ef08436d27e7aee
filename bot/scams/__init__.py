"""Online and phone fraud: pulling numbers, accounts, links and usernames out of a message,
matching them against the commune's warning list and residents' earlier tips, and linking tips
that share one (docs/SCAMS.md)."""
