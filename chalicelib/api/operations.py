"""Operators' routes: the pipeline's dead letters, and sending them back."""

from __future__ import annotations

from typing import Any

from chalice import BadRequestError, Blueprint, Response

from chalicelib.auth.access import Access, Principal, protected

operations_api = Blueprint(__name__)


@operations_api.route("/operations/dead-letters", methods=["GET"])
@protected(Access.SITE_ADMIN)
def dead_letters(principal: Principal) -> dict[str, Any]:
    """Messages that failed five times, per pipeline step, with their bodies."""
    from chalicelib.operations import dead_letters as listing

    return {"results": listing()}


@operations_api.route("/operations/dead-letters/{step}/redrive", methods=["POST"])
@protected(Access.SITE_ADMIN)
def redrive(step: str, principal: Principal) -> Response:
    """Send a step's dead letters back to it, once the cause is fixed."""
    from chalicelib.observability import logger
    from chalicelib.operations import redrive as move

    try:
        moved = move(step)
    except ValueError as exc:
        raise BadRequestError(str(exc)) from None
    logger().info("dead letters redriven", extra={"step": step, "moved": moved,
                                                  "by": principal.email})
    return Response({"step": step, "moved": moved})
