"""Connections a merchant's URL may open: public addresses only, checked where the socket connects.

A webhook URL is typed by a shop's admin user, and the server POSTs to it: without a check, it could reach
what only the server can (the cloud's metadata service at 169.254.169.254, Redis or PostgreSQL on
loopback, the private network), a server-side request forgery. Checking the URL's host when it is saved
is not enough: a name can resolve to a public address then and to 127.0.0.1 when the job sends (DNS
rebinding). So the connection itself resolves the name, refuses the whole host if any address is not
public, and connects to the address it checked; TLS still verifies the certificate for the URL's host.

Development and tests deliver to receivers on loopback: ASSISTANT_WEBHOOK_PRIVATE_ADDRESSES (on by default
outside production) lets them through.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddress(OSError):
    """The host resolves to an address the server must not connect to for a merchant."""


def is_public(address: Address) -> bool:
    """Whether `address` is a globally routable unicast address (not loopback, private, link-local, reserved...)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def literal_problem(host: str) -> str | None:
    """Why `host`, as typed, is not a public host (an IP literal or localhost), else None; names are left to
    the connection, which resolves them when it sends."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return f"{host} is this server, not a public host"
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return None
    return None if is_public(address) else f"{host} is not a public address"


def public_connection(address: tuple[str, int], timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
                      source_address: tuple[str, int] | None = None) -> socket.socket:
    """socket.create_connection(), refusing a host any of whose addresses is not public, to an address it checked."""
    host, port = address
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    refused = sorted({str(info[4][0]) for info in infos if not is_public(ipaddress.ip_address(info[4][0]))})
    if refused:
        raise PrivateAddress(f"{host} resolves to {', '.join(refused[:3])}, not a public address: refused")
    error: OSError | None = None
    for family, kind, protocol, _name, where in infos:
        sock = socket.socket(family, kind, protocol)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(where)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError(f"{host} has no address")


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = public_connection


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = public_connection


class PublicHTTPHandler(urllib.request.HTTPHandler):
    """urllib's http:// handler over connections to public addresses only."""

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTPConnection, req)


class PublicHTTPSHandler(urllib.request.HTTPSHandler):
    """urllib's https:// handler over connections to public addresses only (certificates verified as usual)."""

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]
