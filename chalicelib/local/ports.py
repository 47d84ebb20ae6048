"""Loopback ports: find a free one, or say clearly that a wanted one is taken."""

from __future__ import annotations

import socket


class PortBusy(RuntimeError):
    """A configured port is already in use."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


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
