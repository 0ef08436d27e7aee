"""The channel-neutral dialog engine: events in, messages out, state in the database."""
