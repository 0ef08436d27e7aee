"""Running the bot for real: health, metrics, backups, one poller per token."""
