"""Deadlines and signals derived from the registers, the changes that trigger re-derivation,
reminders, notifications and digests, and the iCal feed.
"""
