"""The foundation every capability stands on: the acting user and its scope, the workflow policy
table, transactions and the audit trail, validation, errors, i18n, settings, per-city policy,
caching, numbering, attachments, spreadsheets and paging. Nothing here imports a capability."""
