"""an index for a city's pool, newest first, of any field

The pool lists listed results newest first; with a city chosen and no field (a city operator's
home figure, the pool's city filter, links from the home page) SQLite had only
(city_code, status, field, listed_at) and (city_code, status, updated_at) to choose from and
sorted all of the city's listed results for each page: 170 ms for Hangzhou at 200 k results, on
every run of a city operator's home page. (city_code, status, listed_at) reads the page in order
(6 ms).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_result_city_status_listed", "result", ["city_code", "status", "listed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_result_city_status_listed", table_name="result")
