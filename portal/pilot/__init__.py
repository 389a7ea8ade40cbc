"""Pilot testing (验证中试): platforms, resources, bookings that never exceed capacity, the
calendar and utilization. Split by concern; import from the submodules."""
