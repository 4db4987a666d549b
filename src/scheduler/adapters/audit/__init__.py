"""The audit trail: who read or changed which record, when, as whom, from where. Append-only:
the database itself refuses to change or delete an entry (append_only.py)."""
