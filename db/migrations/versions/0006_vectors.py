"""sentence vectors for the 供需荟 ranking: results (beside result_terms) and demands

New tables only: a result's or demand's embedding (float32 bytes), the model and text it was
computed from (`digest`), and for results a change number shared with result_terms. Existing rows
get their vectors from `portal search embed`; until then the ranking is BM25 alone.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "result_vector",
        sa.Column("result_id", sa.Uuid(), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["result_id"], ["result.id"], name=op.f("fk_result_vector_result_id_result")),
        sa.PrimaryKeyConstraint("result_id", name=op.f("pk_result_vector")),
    )
    op.create_index("ix_result_vector_seq", "result_vector", ["seq"], unique=False)
    op.create_table(
        "demand_vector",
        sa.Column("demand_id", sa.Uuid(), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("good_matches", sa.SmallInteger(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["demand_id"], ["demand.id"], name=op.f("fk_demand_vector_demand_id_demand")),
        sa.PrimaryKeyConstraint("demand_id", name=op.f("pk_demand_vector")),
    )


def downgrade() -> None:
    op.drop_table("demand_vector")
    op.drop_index("ix_result_vector_seq", table_name="result_vector")
    op.drop_table("result_vector")
