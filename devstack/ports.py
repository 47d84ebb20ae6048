"""Loopback ports: find a free one, or say clearly that a wanted one is taken."""

from __future__ import annotations

import random
import socket
from pathlib import Path


class PortBusy(RuntimeError):
    """A configured port is already in use."""


_handed_out: set[int] = set()
_random = random.Random()


def _ephemeral_low() -> int:
    """The first port the kernel hands out for outgoing connections (32768 by default)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now, and not one this process handed out before.

    Chosen below the kernel's ephemeral range: a port from that range can be taken as the
    local end of any outgoing connection between this call and the server's bind (seen:
    a test's web port grabbed that way). And a caller that asks for several ports before
    starting its servers (web, moto, BioSamples, ENA) never gets the same one twice.
    """
    high = max(_ephemeral_low() - 1, 20_001)
    for _ in range(1000):
        port = _random.randint(20_000, high)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port found below the ephemeral range")


def ensure_free(port: int, what: str, option: str, host: str = "127.0.0.1") -> None:
    """Raise :class:`PortBusy` naming the service and the option to change."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers themselves do: connections of a stopped run that linger in
        # TIME_WAIT do not make the port busy; a process listening on it does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise PortBusy(
                f"port {port} on {host} is already in use, so the {what} cannot start. "
                f"Stop whatever uses it, or choose another port with {option} "
                f"(for example: make run {option.lstrip('-').upper().replace('-', '_')}="
                f"{port + 1})") from exc
