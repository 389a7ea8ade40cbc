"""Pilot testing (验证中试): platforms, resources, bookings that never exceed capacity, the
calendar and utilization. Who may do what is `rules.py`; split by concern, import from the
submodules."""
