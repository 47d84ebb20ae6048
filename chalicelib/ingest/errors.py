"""The exception a parser raises when a file cannot be read at all.

Record-level trouble goes into ``ParseResult.problems``; this exception is only for files
that give no records whatsoever (wrong format, broken container, missing sheets/columns),
so the caller can show every reason at once instead of one per upload attempt.
"""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.records import Level, Problem


class UnreadableFile(Exception):
    """The file cannot be read; ``problems`` says every reason, each located."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems) or "unreadable file")

    @classmethod
    def one(cls, file: str, message: str, *, code: str, sheet: str | None = None,
            row: int | None = None, column: str | None = None,
            line: int | None = None) -> UnreadableFile:
        """Shortcut for the common single-reason case."""
        return cls([Problem(file=file, message=message, level=Level.ERROR, sheet=sheet,
                            row=row, column=column, line=line, code=code)])
