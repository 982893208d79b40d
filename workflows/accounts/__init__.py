"""Accounts, the second factor, and the beheerder's administration of users."""
