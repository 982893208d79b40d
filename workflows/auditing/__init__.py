"""Reading the audit trail that `workflows/audit.py` writes: the audit log with its filters, its
Dutch words, and the history of one register record.
"""
