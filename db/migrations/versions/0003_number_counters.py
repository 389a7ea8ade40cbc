"""number counters, and readable references for pilot bookings and fee claims

Contract numbers and voucher codes were max() + 1, which collided under concurrent writers on
PostgreSQL; every series now counts in `number_counter` (portal.core.numbering). Bookings and
claims get references of their own (ZSYY-3301-2026-0001, FYSQ-3301-2026-0001), given to the
rows already stored in order of creation, and every counter starts after the highest number of
its series already stored.

Revision ID: 0003
Revises: 0002
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFERENCES = {"pilot_booking": "ZSYY", "fee_claim": "FYSQ"}  # table → prefix
SERIES = {"XYSY": "trial", "XYZH": "deal", "ZSYY": "booking", "FYSQ": "claim"}
DASHED = re.compile(r"^(XYSY|XYZH|ZSYY|FYSQ)-(\d{4})-(\d{4})-(\d+)$")
VOUCHER = re.compile(r"^CXQ(\d{4})(\d{4})(\d{5,})$")


def upgrade() -> None:
    op.create_table(
        "number_counter",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "city_code", "year", name=op.f("pk_number_counter")),
    )
    conn = op.get_bind()
    for table, prefix in REFERENCES.items():
        op.add_column(table, sa.Column("reference", sa.String(length=24), nullable=True))
        _number_existing(conn, table, prefix)
        with op.batch_alter_table(table) as batch:
            batch.alter_column("reference", existing_type=sa.String(length=24), nullable=False)
            batch.create_unique_constraint(op.f(f"uq_{table}_reference"), ["reference"])
    _start_counters(conn)


def _number_existing(conn: sa.Connection, table: str, prefix: str) -> None:
    """References for the rows already stored, per city and year of creation, oldest first."""
    rows = conn.execute(sa.text(f"SELECT id, city_code, created_at FROM {table} ORDER BY created_at, id")).all()
    seq: dict[tuple[str, int], int] = {}
    updates = []
    for row_id, city, created in rows:
        year = int(str(created)[:4])
        seq[(city, year)] = seq.get((city, year), 0) + 1
        updates.append({"id": row_id, "ref": f"{prefix}-{city[:4]}-{year}-{seq[(city, year)]:04d}"})
    if updates:
        conn.execute(sa.text(f"UPDATE {table} SET reference = :ref WHERE id = :id"), updates)


def _start_counters(conn: sa.Connection) -> None:
    """Each series' counter per city and year at the highest number already stored."""
    highest: dict[tuple[str, str, int], int] = {}

    def seen(kind: str, city: str, year: int, seq: int) -> None:
        key = (kind, city, year)
        highest[key] = max(highest.get(key, 0), seq)

    stored = [*conn.execute(sa.text("SELECT number, city_code FROM contract")),
              *conn.execute(sa.text("SELECT reference, city_code FROM pilot_booking")),
              *conn.execute(sa.text("SELECT reference, city_code FROM fee_claim"))]
    for value, city in stored:
        found = DASHED.match(value or "")
        if found and city and city[:4] == found.group(2):
            seen(SERIES[found.group(1)], city, int(found.group(3)), int(found.group(4)))
    for code, city in conn.execute(sa.text("SELECT code, city_code FROM voucher")):
        found = VOUCHER.match(code or "")
        if found and city and city[:4] == found.group(1):
            seen("voucher", city, int(found.group(2)), int(found.group(3)))
    if highest:
        conn.execute(sa.text("INSERT INTO number_counter (kind, city_code, year, last) VALUES (:k, :c, :y, :n)"),
                     [{"k": k, "c": c, "y": y, "n": n} for (k, c, y), n in highest.items()])


def downgrade() -> None:
    for table in REFERENCES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"uq_{table}_reference"), type_="unique")
            batch.drop_column("reference")
    op.drop_table("number_counter")
