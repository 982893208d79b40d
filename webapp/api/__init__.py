"""The JSON API under /api/v1: Bearer tokens only, never cookies, so no CSRF token is needed."""
