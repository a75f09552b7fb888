"""Where a webhook may be sent: never into the server's own networks (SSRF).

A subscription's URL must resolve only to public addresses: loopback, private (RFC 1918, ULA),
link-local (cloud metadata at 169.254.169.254), shared (100.64/10), multicast, reserved and
unspecified addresses are refused, at subscription time and again at every delivery. The delivery
resolves the host itself, checks every address, and connects to the checked address (the Host
header and the TLS server name stay the URL's host), so a DNS answer that changes between the check
and the connection (DNS rebinding) cannot redirect it. CUNZHI_WEBHOOK_ALLOW_PRIVATE=true lifts the
rule (tests, a development receiver on 127.0.0.1, a county whose township systems sit on its LAN).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass

import httpx

from cunzhi.config import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class DestinationRefused(Exception):
    """The URL's host is not a public address (`reason`: private_address or unresolvable)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def private_allowed() -> bool:
    return get_settings().webhook_allow_private


async def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DestinationRefused("unresolvable", f"{host} does not resolve: {exc}") from None
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise DestinationRefused("unresolvable", f"{host} does not resolve")
    return found


@dataclass(frozen=True)
class Destination:
    """What to connect to: the URL with its host replaced by a checked address, and the host name
    for the Host header and TLS (None when the URL is used as it is)."""

    url: httpx.URL
    host: str | None


async def check(url: str) -> Destination:
    """Resolve `url`'s host and refuse it unless every address is public (or the setting allows
    private ones: then the URL is used as it is, unresolved)."""
    parsed = httpx.URL(url)
    if private_allowed():
        return Destination(parsed, None)
    host = parsed.host
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    addresses = await _resolve(host, port)
    bad = [str(a) for a in addresses if not is_public(a)]
    if bad:
        raise DestinationRefused("private_address",
                                 f"{host} resolves to an address that is not public ({', '.join(bad)})")
    return Destination(parsed.copy_with(host=str(addresses[0])), host)


async def post(http: httpx.AsyncClient, url: str, *, content: bytes, headers: dict[str, str],
               timeout_seconds: float) -> httpx.Response:
    """POST to `url` after `check`, connected to the address checked (DestinationRefused otherwise)."""
    dest = await check(url)
    if dest.host is None:
        return await http.post(url, content=content, headers=headers, timeout=timeout_seconds)
    host_header = dest.host if httpx.URL(url).port is None else f"{dest.host}:{httpx.URL(url).port}"
    request = http.build_request("POST", dest.url, content=content, headers={**headers, "host": host_header},
                                 timeout=timeout_seconds, extensions={"sni_hostname": dest.host})
    return await http.send(request, follow_redirects=False)
