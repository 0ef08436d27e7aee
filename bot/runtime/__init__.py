"""The runtime: messengers in and out, the dialog engine, the inbox and outbox, the scheduler."""
