"""The result pool (成果池) and 安心屋: who may do what (`rules.py`), disclosure, approval and
public notice, browsing, the three-year rule and the Excel round trip. Each module holds one
part; pages import from them and ask `portal.core.workflow.allowed_actions` which buttons to show."""
