"""Login throttling (SECURITY.md S21): per account and per address, counted over a window.

Per account it stops guessing one password; per address it stops trying many accounts from
one place. Unknown e-mail addresses are counted like known ones, so the answer tells nothing
about which accounts exist.
"""

from __future__ import annotations

from datetime import timedelta

WINDOW = timedelta(minutes=15)
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 20
MESSAGE = (
    "Te veel mislukte pogingen om in te loggen. Wacht een kwartier en probeer het dan opnieuw."
)


def throttled(failures_for_account: int, failures_from_address: int) -> bool:
    return failures_for_account >= MAX_PER_ACCOUNT or failures_from_address >= MAX_PER_ADDRESS
