"""Network addresses as the [osc] settings give them: checked with the config (engine/config.py),
read by the show's OSC (installation/play/osc.py)."""

import ipaddress
import re


def is_ip_networks(text: str) -> bool:
    """Comma-separated IP addresses or networks (the OSC gate: installation/show/osc.py)."""
    try:
        ip_networks(text)
    except ValueError:
        return False
    return True


def ip_networks(text: str) -> list:
    """'192.168.1.20, 192.168.1.0/24' as networks; an address is a network of one."""
    parts = filter(None, (part.strip() for part in text.split(",")))
    return [ipaddress.ip_network(part, strict=False) for part in parts]


def is_host(text: str) -> bool:
    """An IP address or a host name (labels of letters, digits and hyphens): whether this
    machine has it is asked when the show starts."""
    try:
        return bool(ipaddress.ip_address(text))
    except ValueError:
        labels = text.removesuffix(".").split(".")
        return len(text) <= 253 and all(HOST_LABEL.fullmatch(label) for label in labels)


HOST_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def osc_targets(text: str) -> list[tuple[str, int]]:
    """'127.0.0.1:9001, 10.0.0.5:9001' as (address, port) pairs; a ValueError names the first
    that is not an IPv4 address (the sender's socket is IPv4) and a port from 1 to 65535."""
    pairs = []
    for part in filter(None, (part.strip() for part in text.split(","))):
        host, _, port = part.rpartition(":")
        try:
            address = ipaddress.IPv4Address(host)
            number = int(port) if port.isdigit() else 0
        except ValueError:
            number = 0
        if not 1 <= number <= 65535:
            raise ValueError(f"{part!r} is not ip:port")
        pairs.append((str(address), number))
    return pairs


def is_osc_targets(text: str) -> bool:
    try:
        return osc_targets(text) is not None
    except ValueError:
        return False
