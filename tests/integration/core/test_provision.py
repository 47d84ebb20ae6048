"""The local provisioner creates the template's resources on a real moto server."""

import json

import pytest

from chalicelib import aws as aws_clients
from chalicelib.config import get_settings
from devstack.provision import TemplateError, provision

pytestmark = pytest.mark.integration


def test_resources_exist_with_their_wiring(aws):
    settings = get_settings()
    sqs = aws_client("sqs")
    url = sqs.get_queue_url(QueueName=settings.queue_name("ingest"))["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == 5
    assert redrive["deadLetterTargetArn"].endswith(settings.dlq_name("ingest"))
    assert int(attrs["VisibilityTimeout"]) == 1800

    notif = aws_client("s3").get_bucket_notification_configuration(
        Bucket=settings.name("uploads_bucket"))
    [queue_conf] = notif["QueueConfigurations"]
    assert queue_conf["QueueArn"].endswith(settings.queue_name("ingest"))

    table = aws_client("dynamodb").describe_table(
        TableName=settings.name("records_table"))["Table"]
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {
        "by_accession", "by_team_source"}
    assert "UserPoolId" in aws.outputs and "UserPoolClientId" in aws.outputs
    assert "SearchDomain" in aws.skipped


def test_provisioning_twice_is_harmless(aws):
    settings = get_settings()
    again = provision(aws_client, stack_name=settings.prefix, region=settings.region)
    assert again.outputs["UserPoolId"] == aws.outputs["UserPoolId"]
    assert set(again.resources) == set(aws.resources)


def test_an_unknown_resource_type_is_an_error(aws):
    template = {"Resources": {"Thing": {"Type": "AWS::Kinesis::Stream", "Properties": {}}}}
    with pytest.raises(TemplateError, match="Kinesis"):
        provision(aws_client, stack_name="x", region="eu-west-1", template=template)


def aws_client(service: str):
    return aws_clients.client(service)
