"""Where things are kept: SQLAlchemy models, queries, the file store and migrations.

Knows nothing of Flask or of the workflows that use it.
"""
