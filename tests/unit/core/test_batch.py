"""The batch runner reports exactly the failed messages (partial batch response)."""

from chalicelib.batch import process_sqs_batch


def event(*ids: str) -> dict:
    return {"Records": [{
        "messageId": mid, "receiptHandle": f"rh-{mid}", "body": mid, "attributes": {},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:q", "awsRegion": "eu-west-1",
    } for mid in ids]}


def test_only_the_failing_message_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("LOG_FILE", str(tmp_path / "log"))
    seen = []

    def handle(message_id: str, body: str) -> None:
        seen.append(message_id)
        if body == "bad":
            raise ValueError("boom")

    answer = process_sqs_batch(event("m1", "bad", "m3"), handle)
    assert seen == ["m1", "bad", "m3"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": "bad"}]}


def test_a_batch_where_everything_fails_reports_everything(monkeypatch, tmp_path):
    monkeypatch.setenv("LOG_FILE", str(tmp_path / "log"))

    def handle(message_id: str, body: str) -> None:
        raise RuntimeError(message_id)

    answer = process_sqs_batch(event("a", "b"), handle)
    assert sorted(f["itemIdentifier"] for f in answer["batchItemFailures"]) == ["a", "b"]


def test_a_clean_batch_reports_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("LOG_FILE", str(tmp_path / "log"))
    assert process_sqs_batch(event("a"), lambda _m, _b: None) == {"batchItemFailures": []}
