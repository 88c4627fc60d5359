"""Which URLs the crawler may fetch at all: the one policy every request is held to.

A page of a site we archive can link anything, and a download script can redirect anywhere. A
crawler that follows such links reads local files into the archive (`file:///etc/passwd`) or
asks internal services for their secrets (`http://169.254.169.254/latest/meta-data/`). So:

- only `http` and `https` are fetched (reason `scheme`);
- a host that *is* an internal address is refused (reason `internal_address`): loopback, private,
  link-local, multicast, unspecified and reserved addresses, v4 and v6, in every spelling a
  resolver accepts (`127.1`, `2130706433`, `0177.0.0.1`, `0x7f.1`, `[::ffff:127.0.0.1]`), and
  the names `localhost` and `*.localhost`;
- a host *name* that resolves to such an address is refused too (reason `internal_resolved`),
  checked by `archiver.url_guard` where the crawler itself resolves names (not through a proxy);
- networks listed in `ARCHIVER_ALLOWED_NETWORKS` (CIDR) are exempt, for intranet deployments.

Pure functions, no I/O: `archiver.url_guard` applies them to every request.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FETCHABLE_SCHEMES = frozenset({"http", "https"})
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def parse_networks(values: Iterable[str] | str | None) -> tuple[Network, ...]:
    """`ARCHIVER_ALLOWED_NETWORKS` as networks; a bad entry raises ValueError naming it."""
    if not values:
        return ()
    if isinstance(values, str):
        values = [v for v in values.replace(",", " ").split() if v]
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            raise ValueError(f"setting ARCHIVER_ALLOWED_NETWORKS: {value!r} is not a network (e.g. 10.0.0.0/8)") from None
    return tuple(networks)


def host_address(host: str) -> IPAddress | None:
    """The address a literal host stands for, in any spelling `inet_aton` accepts (what
    resolvers and browsers accept: `127.1`, `2130706433`, `0177.0.0.1`, `0x7f.0.0.1`); None for
    a name."""
    host = host.strip("[]").rstrip(".")
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped or address.sixtofour or address
    return address


def is_internal(address: IPAddress) -> bool:
    """Whether an address is one a public web page has no business making us fetch."""
    return (address.is_loopback or address.is_private or address.is_link_local
            or address.is_multicast or address.is_unspecified or address.is_reserved)


def address_refusal(address: IPAddress, allowed: tuple[Network, ...]) -> bool:
    """Whether `address` is internal and not in an explicitly allowed network."""
    return is_internal(address) and not any(address in network for network in allowed)


def url_refusal(url: str, allowed: tuple[Network, ...] = ()) -> tuple[str, str] | None:
    """`(reason, message)` when `url` may not be fetched by its scheme or literal host, else None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "malformed_url", f"not a valid URL: {url!r}"
    scheme = parts.scheme.lower()
    if scheme not in FETCHABLE_SCHEMES:
        return "scheme", f"only http and https are fetched, not {scheme or 'a URL without a scheme'}:"
    if not host:
        return "malformed_url", f"no host in {url!r}"
    name = host.rstrip(".").lower()
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        if not any(ipaddress.ip_address("127.0.0.1") in network for network in allowed):
            return "internal_address", f"{host} is this machine"
        return None
    address = host_address(name)
    if address is not None and address_refusal(address, allowed):
        return "internal_address", f"{host} is an internal address ({address})"
    return None
