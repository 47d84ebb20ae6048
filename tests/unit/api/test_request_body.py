"""The request body helpers: JSON objects only, bounded nesting, secrets type-checked."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from chalice import BadRequestError

from chalicelib.api.common import MAX_BODY_DEPTH, json_body, secret_field


def request(raw: bytes) -> SimpleNamespace:
    return SimpleNamespace(raw_body=raw)


def nested(levels: int) -> bytes:
    return ("[" * (levels - 1) + '{"a": 1}' + "]" * (levels - 1)).encode()


def test_a_body_nested_100000_deep_is_a_400_not_a_recursion_error() -> None:
    with pytest.raises(BadRequestError, match=f"more than {MAX_BODY_DEPTH} deep"):
        json_body(request(b"[" * 100_000 + b"]" * 100_000))


def test_nesting_is_bounded_below_what_dynamodb_takes() -> None:
    ok = {"attributes": {"Sex": [{"value": "male", "terms": ["PATO_0000384"]}]}}
    assert json_body(request(json.dumps(ok).encode())) == ok
    inner: object = {"a": 1}
    for _ in range(MAX_BODY_DEPTH - 1):
        inner = {"a": inner}
    assert json_body(request(json.dumps(inner).encode()))
    with pytest.raises(BadRequestError, match="deep"):
        json_body(request(json.dumps({"a": inner}).encode()))


@pytest.mark.parametrize("value", [["Passw0rd!"], {"p": "Passw0rd!"}, 12345, True, None, "",
                                   "x" * 257])
def test_a_password_that_is_not_text_is_refused_without_echoing_it(value: object) -> None:
    with pytest.raises(BadRequestError) as refused:
        secret_field({"password": value}, "password")
    assert "password must be text of 1 to 256 characters" in str(refused.value)
    assert "Passw0rd" not in str(refused.value)
    assert secret_field({"password": " Passw0rd! "}, "password") == " Passw0rd! "
