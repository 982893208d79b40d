"""What the municipality does: use cases and rules. Knows nothing of Flask.

Use cases take a SQLAlchemy ``Session`` as first argument and may flush, never commit: the
caller (a web request, a CLI command, a scheduler job) commits once at its edge.
"""
