"""a trial is free: the result's "free during trial" choice goes (DOMAIN.md rule 2)

`result.free_during_trial` let a discloser untick "试用期内免费" and the result's page then read
"试用期内收费", although the fee during a trial is zero by rule and every trial contract is made
with fee 0. The column goes, so no result can claim a paid trial. The card's plain summary and
key advantages (`summary_plain`, `advantages`) are columns of 0001 already; the disclosure form
and the import now fill them.

A plain `ALTER TABLE … DROP COLUMN` on both databases (SQLite ≥ 3.35): a batch rebuild of
`result` would lose its CHECK constraints on SQLite, which batch mode does not reflect.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE result DROP COLUMN free_during_trial")


def downgrade() -> None:
    # every trial was free by rule: the rows get back the only value the column could rightly hold
    op.add_column("result", sa.Column("free_during_trial", sa.Boolean(), nullable=False, server_default=sa.true()))
