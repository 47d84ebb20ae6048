"""The one exception a pool endpoint raises to answer something other than 200."""

from __future__ import annotations


class ApiError(Exception):
    """An answer other than 200, with a message for the caller (``{"message", "status"}``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
