"""Database layer: SQLModel models, the engine and sessions, Alembic migrations."""
