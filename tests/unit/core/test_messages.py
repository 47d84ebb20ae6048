import json

import pytest

from chalicelib.messages import (
    BadMessage,
    HarvestMessage,
    StepMessage,
    uploaded_objects,
)


def s3_event(key: str, event: str = "ObjectCreated:Put") -> str:
    return json.dumps({"Records": [{
        "eventName": event,
        "s3": {"bucket": {"name": "b"}, "object": {"key": key, "size": 12, "eTag": "e1"}},
    }]})


def test_keys_are_url_decoded():
    [obj] = uploaded_objects(s3_event("uploads/t1/s1/my+file%2B%C3%A9.csv"))
    assert obj.key == "uploads/t1/s1/my file+é.csv"
    assert (obj.bucket, obj.size, obj.etag) == ("b", 12, "e1")


def test_test_event_and_other_events_carry_no_object():
    assert uploaded_objects(json.dumps({"Event": "s3:TestEvent"})) == []
    assert uploaded_objects(s3_event("k", event="ObjectRemoved:Delete")) == []


@pytest.mark.parametrize("body", ["not json", "[1]",
                                  json.dumps({"Records": [{"eventName": "ObjectCreated:Put"}]})])
def test_malformed_events_are_bad_messages(body):
    with pytest.raises(BadMessage):
        uploaded_objects(body)


def test_step_message_round_trip_and_refusal():
    msg = StepMessage("validate", "team", "sub", {"ids": ["a"]})
    assert StepMessage.from_json(msg.to_json()) == msg
    with pytest.raises(BadMessage):
        StepMessage.from_json('{"step": "validate"}')


def test_harvest_message_modes():
    assert HarvestMessage.from_json("{}").mode == "incremental"
    assert HarvestMessage.from_json('{"mode": "full", "cursor": "c"}').cursor == "c"
    with pytest.raises(BadMessage):
        HarvestMessage.from_json('{"mode": "everything"}')
