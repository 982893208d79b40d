"""Believing X-Forwarded-For/-Proto/-Host only from the reverse proxy (docs/security.md S21, S23).

Werkzeug's ProxyFix believes the headers of whoever connects. When the app's port is reachable
around the proxy, a client could then name any address it likes, and the per-address login
throttle would count nothing against it. Here the headers are used only when the direct peer
is a configured proxy address, and only as many hops as are configured.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxyFix:
    def __init__(self, app: Any, *, hops: int, trusted: Iterable[str]) -> None:
        self.direct = app
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops)
        self.trusted = tuple(ipaddress.ip_network(name, strict=False) for name in trusted)

    def from_trusted_proxy(self, peer: str | None) -> bool:
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.from_trusted_proxy(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.direct(environ, start_response)
