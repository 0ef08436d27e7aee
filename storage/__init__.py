"""Persistence: SQLAlchemy models, query functions that take a session, Alembic migrations."""
