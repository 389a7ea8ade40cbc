"""What several benchmarks start from: a database of the demo data."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

import db.models  # noqa: F401 — every table registered before create_all
from db import engine as db_engine
from seed.demo import load_demo


def demo_database(url: str, *, fresh: bool = False) -> Engine:
    """The portal's engine on url with the demo data loaded (its tables dropped first if fresh).
    Tables come from the models, not the migrations, so a bench can run ahead of them."""
    eng = db_engine.configure(url)
    if fresh:
        SQLModel.metadata.drop_all(eng)
    SQLModel.metadata.create_all(eng)
    with Session(eng) as s:
        load_demo(s)  # the regions too
        s.commit()
    return eng
