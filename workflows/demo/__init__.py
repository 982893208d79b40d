"""The Twente demo, loaded through the same use cases a user calls."""
