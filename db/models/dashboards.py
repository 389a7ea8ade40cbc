"""Indexes that serve the dashboards' aggregates (funnel, trends, activity index), shaped to their
queries so COUNT(DISTINCT result_id) reads the index alone: scope (city) first, then the period
column, then the counted column. They belong to other capabilities' tables and add nothing else."""

from __future__ import annotations

from sqlalchemy import Index

from db.models.contracts import Contract
from db.models.matching import Match
from db.models.pool import Result

DASHBOARD_INDEXES = (
    Index("ix_dash_result_city_listed", Result.city_code, Result.listed_at),
    Index("ix_dash_result_listed", Result.listed_at),
    Index("ix_dash_match_city_date_result", Match.city_code, Match.contact_date, Match.result_id),
    Index("ix_dash_match_date_result", Match.contact_date, Match.result_id),
    Index("ix_dash_contract_city_kind_start", Contract.city_code, Contract.kind, Contract.start_date,
          Contract.result_id),
    Index("ix_dash_contract_kind_start", Contract.kind, Contract.start_date, Contract.result_id),
)
