"""What every blueprint needs: the JSON body, clear 400s, errors as API answers."""

from __future__ import annotations

import json
from typing import Any

from chalice import BadRequestError, Response


def json_body(request: Any, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request's JSON object, with the required keys present and non-empty."""
    raw = request.raw_body if request is not None else b""
    if not raw:
        body: Any = {}
    else:
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadRequestError("the body must be JSON (Content-Type: application/json)") \
                from None
    if not isinstance(body, dict):
        raise BadRequestError("the body must be a JSON object")
    missing = [k for k in required if body.get(k) in (None, "")]
    if missing:
        raise BadRequestError(f"missing: {', '.join(missing)}")
    return body


def text_field(body: dict[str, Any], key: str, max_len: int = 200) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or len(value) > max_len:
        raise BadRequestError(f"{key} must be text of at most {max_len} characters")
    return value.strip()


def error(status: int, code: str, message: str) -> Response:
    """An error answer in the shape the API uses everywhere."""
    return Response({"Code": code, "Message": message}, status_code=status)


def query_int(params: dict[str, str], key: str, default: int, low: int, high: int) -> int:
    raw = params.get(key)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequestError(f"{key} must be a whole number from {low} to {high}") from None
    if not low <= value <= high:
        raise BadRequestError(f"{key} must be a whole number from {low} to {high}")
    return value
