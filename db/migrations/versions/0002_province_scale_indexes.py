"""indexes for province-wide pages at scale (issue 10)

The province's home and dashboard, "my results", the 安心屋 queues and an institution's
three-year list scanned or sorted 100 k+ rows without them (60–300 ms each at 200 k results).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "contract": {
        "ix_contract_kind_status_city_end": ["kind", "status", "city_code", "end_date"],
        "ix_contract_kind_signed": ["kind", "signing_date", "deal_amount"],
        "ix_contract_kind_end": ["kind", "end_date", "status"],
    },
    "pilot_booking": {
        "ix_pilot_booking_platform_start": ["platform_id", "start_date", "end_date"],
    },
    "public_notice": {
        "ix_public_notice_city_state_end": ["city_code", "state", "end_date"],
    },
    "result": {
        "ix_result_updated": ["updated_at"],
        "ix_result_status_updated": ["status", "updated_at"],
        "ix_result_city_status_updated": ["city_code", "status", "updated_at"],
        "ix_result_owner_fiscal": ["owner_org_id", "fiscally_funded", "grant_date"],
    },
}


def upgrade() -> None:
    for table, indexes in INDEXES.items():
        for name, columns in indexes.items():
            op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, indexes in INDEXES.items():
        for name in indexes:
            op.drop_index(name, table_name=table)
