"""What every blueprint needs: the JSON body, clear 400s, errors as API answers.

Refusals never echo the value that was refused: a request value (a password sent as a
list, say) must not come back in an answer nor reach a log.
"""

from __future__ import annotations

import json
from typing import Any

from chalice import BadRequestError, Response

#: Deepest nesting a request body may have. Ours need 5 (record edits); DynamoDB refuses
#: more than 32 levels and Python's parser overflows its stack near 1,000.
MAX_BODY_DEPTH = 16
#: Longest password (Cognito's limit) or token (Cognito's refresh tokens are ~1.8 KB).
MAX_SECRET_LENGTH = {"password": 256, "refresh_token": 8192}


def depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (iterative: no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def json_body(request: Any, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request's JSON object, with the required keys present and non-empty."""
    raw = request.raw_body if request is not None else b""
    if not raw:
        body: Any = {}
    else:
        too_deep = BadRequestError(f"the body nests lists and objects more than "
                                   f"{MAX_BODY_DEPTH} deep")
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadRequestError("the body must be JSON (Content-Type: application/json)") \
                from None
        except RecursionError:  # nested past the parser's stack
            raise too_deep from None
        if depth(body) > MAX_BODY_DEPTH:
            raise too_deep
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


def secret_field(body: dict[str, Any], key: str) -> str:
    """A password or token, checked before it goes anywhere (not stripped, never echoed)."""
    value = body.get(key)
    limit = MAX_SECRET_LENGTH[key]
    if not isinstance(value, str) or not value or len(value) > limit:
        raise BadRequestError(f"{key} must be text of 1 to {limit} characters")
    return value


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
