"""The status machine of submissions and records, in one place for every step.

Submission: ``WAITING`` (created, no file yet) → ``PROCESSING`` (a file is being read) →
``LOADED`` (records stored) or ``ERROR`` (the file could not be read; earlier records are
kept); validation then gives ``READY`` (no errors) or ``NEED_REVISION``; submission to
BioSamples gives ``SUBMITTED`` then ``COMPLETED``. An edit or a new upload starts again
from ``PROCESSING``/``LOADED``.
"""

from __future__ import annotations

from enum import StrEnum


class SubmissionStatus(StrEnum):
    WAITING = "WAITING"
    PROCESSING = "PROCESSING"
    LOADED = "LOADED"
    ERROR = "ERROR"
    VALIDATING = "VALIDATING"
    READY = "READY"
    NEED_REVISION = "NEED_REVISION"
    SUBMITTED = "SUBMITTED"
    COMPLETED = "COMPLETED"


S = SubmissionStatus

#: Allowed moves. A status may always stay what it is (idempotent redelivery).
TRANSITIONS: dict[SubmissionStatus, frozenset[SubmissionStatus]] = {
    S.WAITING: frozenset({S.PROCESSING}),
    S.PROCESSING: frozenset({S.LOADED, S.ERROR}),
    S.LOADED: frozenset({S.PROCESSING, S.VALIDATING}),
    S.ERROR: frozenset({S.PROCESSING}),
    S.VALIDATING: frozenset({S.READY, S.NEED_REVISION, S.LOADED}),
    S.READY: frozenset({S.PROCESSING, S.VALIDATING, S.SUBMITTED}),
    S.NEED_REVISION: frozenset({S.PROCESSING, S.VALIDATING}),
    S.SUBMITTED: frozenset({S.COMPLETED, S.ERROR, S.READY}),
    S.COMPLETED: frozenset({S.PROCESSING, S.VALIDATING}),
}

#: While in these, records may not be edited and no new file may be loaded.
BUSY = frozenset({S.PROCESSING, S.VALIDATING, S.SUBMITTED})


class TransitionError(ValueError):
    """A move the status machine does not allow."""


def check_transition(current: str, target: SubmissionStatus) -> None:
    """Raise :class:`TransitionError` unless ``current → target`` is allowed."""
    now = SubmissionStatus(current)
    if now is target or target in TRANSITIONS[now]:
        return
    raise TransitionError(f"a submission cannot go from {now} to {target}")
