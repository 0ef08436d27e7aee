"""Messenger adapters: thin, each holding its own client; the engine never imports them."""
