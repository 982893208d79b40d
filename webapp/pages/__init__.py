"""The Dutch pages, one blueprint per feature."""
