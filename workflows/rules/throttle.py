"""Login throttling (docs/security.md S21): a limited number of failures per window, counted per
account, per address and per account-and-address, in the database so that every worker and
host sees them.

Throttle, don't lock. A lock per account lets anyone lock the real user out by typing wrong
passwords on their account, and a lock per address lets one guesser shut out a whole office
behind one NAT address. So:

- one account from one address: after MAX_PER_ACCOUNT_AND_ADDRESS failures that pair waits
  out the window (guessing one password from one place is stopped, always);
- an address from which this account logged in successfully before (KNOWN_ADDRESS_FOR) is
  not held back by failures elsewhere: neither by failures on the account from other
  addresses nor by other accounts failing from the same address. The owner at the usual desk
  and the colleagues in the same office get in while someone else is guessing;
- any other address is throttled when the account has MAX_PER_ACCOUNT failures in the window
  (from anywhere: a guesser spread over many addresses) or the address has MAX_PER_ADDRESS
  (one place trying many accounts).

What remains: someone guessing from the owner's own address (the same office NAT) slows the
owner down for one window, and an owner on a new address waits while their account is under
attack. Unknown e-mail addresses are counted like known ones, so the answer tells nothing
about which accounts exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

WINDOW = timedelta(minutes=15)
MAX_PER_ACCOUNT_AND_ADDRESS = 5
MAX_PER_ACCOUNT = 10
MAX_PER_ADDRESS = 20
KNOWN_ADDRESS_FOR = timedelta(days=90)
MESSAGE = (
    "Te veel mislukte pogingen om in te loggen. Wacht een kwartier en probeer het dan opnieuw."
)


@dataclass(frozen=True)
class Failures:
    """Failed logins within the window."""

    for_account: int
    from_address: int
    for_account_from_address: int


def throttled(failures: Failures, *, known_address: bool) -> bool:
    if failures.for_account_from_address >= MAX_PER_ACCOUNT_AND_ADDRESS:
        return True
    if known_address:
        return False
    return failures.for_account >= MAX_PER_ACCOUNT or failures.from_address >= MAX_PER_ADDRESS
