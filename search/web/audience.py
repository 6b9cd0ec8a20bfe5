"""Who a request is from and for: a program or a person, this machine or another.

Why a module of its own: what an error looks like (JSON for the API, the
error page for people), whether a token is asked for, what is cached and
whether absolute paths are shown all turn on these two questions; they are
answered once here, from the request's path and its client's address.
"""

from __future__ import annotations

import enum
import ipaddress


class Audience(enum.Enum):
    """Who a path answers, and so what its errors look like."""

    API = "api"  # programs: JSON
    EXPORT = "export"  # downloads: JSON errors
    STATIC = "static"  # the stylesheet and the script: no index, no data
    PAGE = "page"  # people: the error page


_FIRST_SEGMENT = {"api": Audience.API, "export": Audience.EXPORT, "static": Audience.STATIC}


def audience(path: str) -> Audience:
    """The audience of a request's path, by its first segment."""
    return _FIRST_SEGMENT.get(path.lstrip("/").split("/", 1)[0], Audience.PAGE)


def client_is_loopback(scope) -> bool:
    """Whether the request came from this machine (127.0.0.0/8, ::1); a client whose address
    is unknown or not an address counts as another machine."""
    client = scope.get("client")
    if not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback
