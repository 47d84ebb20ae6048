"""infra/resources.yaml agrees with the app, the config and the serverless rules."""

import json
import re

import pytest
from chalice.app import SQSEventConfig

import app as app_module
from chalicelib.config import RESOURCE_NAMES
from devstack.paths import REPO_ROOT
from devstack.provision import (
    CREATORS,
    NOT_EMULATED,
    TemplateError,
    creation_order,
    load_template,
    own_resources,
)

TEMPLATE = load_template()
RESOURCES = own_resources(TEMPLATE)
CHALICE_CONFIG = json.loads((REPO_ROOT / ".chalice" / "config.json").read_text())


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def physical_name(body: dict) -> str | None:
    props = body.get("Properties", {})
    for key in ("BucketName", "QueueName", "TableName", "TopicName"):
        if key in props:
            return props[key]["Fn::Sub"]
    return None


def test_every_configured_name_is_declared_with_the_same_convention():
    declared = {physical_name(b) for b in RESOURCES.values()} - {None}
    for _key, (_var, suffix) in RESOURCE_NAMES.items():
        assert f"${{AWS::StackName}}-{suffix}" in declared, suffix


def test_every_function_gets_every_name_from_the_stack():
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    for var, _suffix in RESOURCE_NAMES.values():
        assert var in variables, var


def queue_id(props: dict) -> str:
    match = re.match(r"\$\{(\w+)\.Arn\}", props["Queue"]["Fn::Sub"])
    assert match is not None
    return match[1]


def sqs_sources():
    return [s for s in app_module.app.event_sources if isinstance(s, SQSEventConfig)]


def test_every_sqs_handler_reports_partial_failures_on_a_declared_queue():
    assert len(sqs_sources()) == 5
    for source in sqs_sources():
        patch = TEMPLATE["Resources"][camel(source.name)]
        props = patch["Properties"]["Events"][f"{camel(source.name)}SqsEventSource"]["Properties"]
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        queue_logical = queue_id(props)
        queue = RESOURCES[queue_logical]
        suffix = source.queue.removeprefix("imagepool-local-")
        assert queue["Properties"]["QueueName"]["Fn::Sub"] == f"${{AWS::StackName}}-{suffix}"


def test_queues_follow_the_lambda_rules():
    """Visibility >= 6 x the consumer's timeout; >= 5 receives, then a dead-letter queue."""
    functions = CHALICE_CONFIG["lambda_functions"]
    for source in sqs_sources():
        timeout = functions.get(source.name, {}).get("lambda_timeout",
                                                     CHALICE_CONFIG["lambda_timeout"])
        patch = TEMPLATE["Resources"][camel(source.name)]
        props = patch["Properties"]["Events"][f"{camel(source.name)}SqsEventSource"]["Properties"]
        queue = RESOURCES[queue_id(props)]
        qprops = queue["Properties"]
        assert qprops["VisibilityTimeout"] >= 6 * timeout, source.name
        assert qprops["RedrivePolicy"]["maxReceiveCount"] >= 5
        dlq = qprops["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert RESOURCES[dlq]["Type"] == "AWS::SQS::Queue"


def test_each_function_has_its_own_least_privilege_role():
    for source in app_module.app.event_sources:
        role = TEMPLATE["Resources"][f"{camel(source.name)}Role"]
        statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        for statement in statements:
            assert statement["Resource"] != "*", (source.name, statement["Sid"])
            assert not any(a.endswith(":*") for a in statement["Action"]), statement["Sid"]
    readers = [name for name, r in TEMPLATE["Resources"].items() if name.endswith("Role")
               for s in r["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
               if "secretsmanager:GetSecretValue" in s["Action"]]
    assert readers == ["SubmitRecordsRole"]  # only the submit function reads Webin secrets


def test_every_resource_type_is_emulated_or_explained():
    for name, body in RESOURCES.items():
        assert body["Type"] in CREATORS or body["Type"] in NOT_EMULATED, name


def test_creation_order_puts_references_first():
    order = creation_order(RESOURCES)
    assert order.index("IngestQueue") < order.index("IngestQueuePolicy") \
        < order.index("UploadsBucket")
    assert order.index("IngestDeadLetterQueue") < order.index("IngestQueue")
    assert order.index("UserPool") < order.index("UserPoolClient")


def test_circular_references_are_refused():
    with pytest.raises(TemplateError, match="circular"):
        creation_order({"A": {"Type": "X", "Properties": {"P": {"Ref": "B"}}},
                        "B": {"Type": "X", "Properties": {"P": {"Ref": "A"}}}})


def test_the_api_remembers_refresh_tokens_as_long_as_cognito_honours_them():
    from chalicelib.accounts.repository import REFRESH_TOKEN_DAYS

    client = RESOURCES["UserPoolClient"]["Properties"]
    assert client["TokenValidityUnits"]["RefreshToken"] == "days"
    assert client["RefreshTokenValidity"] == REFRESH_TOKEN_DAYS


def test_the_portal_is_served_with_one_content_security_policy_everywhere():
    """CloudFront's response headers policy is the one source; the local web server
    renders the same string with local origins."""
    from devstack.web import portal_security_headers

    policy = RESOURCES["PortalSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    distribution = RESOURCES["PortalDistribution"]["Properties"]["DistributionConfig"]
    assert distribution["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {
        "Ref": "PortalSecurityHeaders"}
    text, variables = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"][
        "ContentSecurityPolicy"]["Fn::Sub"]
    directives = dict(d.strip().split(" ", 1) for d in text.split(";"))
    assert directives["script-src"] == "'self'" and directives["object-src"] == "'none'"
    assert "unsafe" not in text and directives["frame-ancestors"] == "'none'"
    local = portal_security_headers(api_origin="http://api.test",
                                    uploads_origin="http://s3.test")
    assert local["Content-Security-Policy"] == text.replace(
        "${ApiOrigin}", "http://api.test").replace("${UploadsOrigin}", "http://s3.test")
    assert set(variables) == {"ApiOrigin", "UploadsOrigin"}
    assert local["X-Frame-Options"] == "DENY" and local["X-Content-Type-Options"] == "nosniff"
