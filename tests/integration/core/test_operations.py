"""Operators see the pipeline's dead letters and send them back; nobody else can."""

from __future__ import annotations

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import aws as aws_clients
from chalicelib.config import get_settings
from devstack.pump import EventPump

pytestmark = pytest.mark.integration


def test_dead_letters_are_visible_to_operators_and_can_be_redriven(aws, people):
    operator = people("ops@imagepool.example.org", site_admin=True)
    member = people("member@bank.example.org", teams_roles={"t1": "admin"})
    sqs = aws_clients.client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().queue_name("validation"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    EventPump(app_module.app, app_module, sqs, get_settings(), wait_seconds=0,
              retry_after_seconds=0).drain(timeout=60)
    with Client(app_module.app, stage_name="local") as client:
        assert client.http.get("/operations/dead-letters", headers=member.headers
                               ).status_code == 403
        listing = client.http.get("/operations/dead-letters", headers=operator.headers
                                  ).json_body["results"]
        validation = next(q for q in listing if q["step"] == "validation")
        assert validation["waiting"] == 1
        assert validation["messages"][0]["body"] == "poison"
        moved = client.http.post("/operations/dead-letters/validation/redrive",
                                 headers=operator.headers)
        assert moved.json_body == {"step": "validation", "moved": 1}
        bad = client.http.post("/operations/dead-letters/everything/redrive",
                               headers=operator.headers)
        assert bad.status_code == 400
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "1"


def test_an_operator_starts_a_harvest(aws, people):
    operator = people("ops@imagepool.example.org", site_admin=True)
    with Client(app_module.app, stage_name="local") as client:
        answer = client.http.post("/harvest", headers={**operator.headers,
                                                       "Content-Type": "application/json"},
                                  body=b'{"mode": "full"}')
        assert answer.status_code == 202 and answer.json_body["mode"] == "full"
        bad = client.http.post("/harvest", headers={**operator.headers,
                                                    "Content-Type": "application/json"},
                               body=b'{"mode": "everything"}')
        assert bad.status_code == 400
    sqs = aws_clients.client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().queue_name("harvest"))["QueueUrl"]
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    assert '"mode": "full"' in message["Body"]
