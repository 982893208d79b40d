"""The machinery under the documents: rendering Word templates, checking uploads and PDFs in a
limited child process, converting to PDF, merging bundles and drawing report charts. It
knows nothing of the registers (an import-linter contract keeps it so).
"""
