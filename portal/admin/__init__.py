"""Administration: user accounts, the audit trail's reader, and the province roll-up of city files."""
