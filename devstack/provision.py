"""Create the stack's resources on a moto server from ``infra/resources.yaml``.

The local stack must run on the *same* resources as AWS, declared once. moto's own
CloudFormation leaves out bucket notifications and outputs, so this module reads the
template itself: it resolves the intrinsic functions the template uses (``Ref``,
``Fn::GetAtt``, ``Fn::Sub``) and creates each resource it can emulate with boto3, in
dependency order. Resources that have no local meaning (IAM, CloudFront, alarms, the
OpenSearch domain, whose place the embedded search backend takes) are listed in
:data:`NOT_EMULATED`; any other type is an error, so a new kind of resource is never
silently missing from the local stack.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from devstack.paths import REPO_ROOT

TEMPLATE = REPO_ROOT / "infra" / "resources.yaml"
ACCOUNT_ID = "123456789012"

#: Types with no local counterpart; the reason is printed by ``provision --explain``.
NOT_EMULATED: dict[str, str] = {
    "AWS::IAM::Role": "moto does not enforce IAM; the policies are linted by cfn-lint",
    "AWS::CloudWatch::Alarm": "no alarms locally; dead letters are visible in the queues",
    "AWS::OpenSearchService::Domain": "the embedded search backend stands in locally",
    "AWS::CloudFront::Distribution": "the local stack serves the portal itself",
    "AWS::CloudFront::OriginAccessControl": "the local stack serves the portal itself",
    "AWS::CloudFront::ResponseHeadersPolicy": "the local web server sends the same headers",
    "AWS::S3::BucketPolicy": "the local stack serves the portal itself",
}


class TemplateError(ValueError):
    """The template uses something the local provisioner cannot resolve."""


@dataclass
class Created:
    """A resource created locally: its physical id (``Ref``) and attributes."""

    ref: str
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class StackResult:
    """What :func:`provision` made: every resource and the resolved outputs."""

    resources: dict[str, Created]
    outputs: dict[str, str]
    skipped: dict[str, str]


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    if not isinstance(doc, dict) or "Resources" not in doc:
        raise TemplateError(f"{path} has no Resources")
    return doc


def own_resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The resources the template declares (not the patches to Chalice's resources,
    which have no ``Type``)."""
    return {name: body for name, body in template["Resources"].items() if "Type" in body}


class _Resolver:
    """Resolves intrinsic functions against pseudo parameters and created resources."""

    def __init__(self, stack_name: str, region: str, parameters: dict[str, str],
                 created: dict[str, Created]) -> None:
        self.pseudo = {"AWS::StackName": stack_name, "AWS::Region": region,
                       "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws",
                       "AWS::URLSuffix": "amazonaws.com"}
        self.parameters = parameters
        self.created = created

    def ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.created:
            return self.created[name].ref
        raise TemplateError(f"Ref to unknown or not yet created {name!r}")

    def getatt(self, name: str, attr: str) -> str:
        if name not in self.created:
            raise TemplateError(f"Fn::GetAtt on unknown or not yet created {name!r}")
        attrs = self.created[name].attrs
        if attr not in attrs:
            raise TemplateError(f"Fn::GetAtt {name}.{attr} is not emulated locally")
        return attrs[attr]

    def sub(self, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            token = match.group(1)
            if "." in token and not token.startswith("AWS::"):
                res, attr = token.split(".", 1)
                return self.getatt(res, attr)
            return self.ref(token)

        return re.sub(r"\$\{([^}!]+)\}", one, text)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                (key, arg), = value.items()
                if key == "Ref":
                    return self.ref(arg)
                if key == "Fn::GetAtt":
                    res, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                    return self.getatt(res, attr)
                if key == "Fn::Sub":
                    if isinstance(arg, list):
                        raise TemplateError("Fn::Sub with a variable map is not supported")
                    return self.sub(arg)
                if key.startswith("Fn::"):
                    raise TemplateError(f"{key} is not supported by the local provisioner")
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value


def _references(value: Any) -> set[str]:
    """Logical ids a value refers to (for ordering)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg[0] if isinstance(arg, list) else arg.split(".", 1)[0])
            elif key == "Fn::Sub" and isinstance(arg, str):
                found.update(t.split(".", 1)[0] for t in re.findall(r"\$\{([^}!]+)\}", arg))
            else:
                found |= _references(arg)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found


def creation_order(resources: dict[str, dict[str, Any]]) -> list[str]:
    """Logical ids in an order where every resource follows what it refers to."""
    deps: dict[str, set[str]] = {}
    for name, body in resources.items():
        depends = body.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else list(depends)
        deps[name] = ({d for d in _references(body.get("Properties", {})) if d in resources}
                      | set(depends))
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise TemplateError(f"circular reference: {' -> '.join((*path, name))}")
        state[name] = 1
        for dep in sorted(deps[name]):
            visit(dep, (*path, name))
        state[name] = 2
        order.append(name)

    for name in resources:
        visit(name, ())
    return order


Creator = Callable[[Any, dict[str, Any], str, str], Created]


def _s3_bucket(clients: Any, props: dict[str, Any], region: str, name: str) -> Created:
    s3 = clients("s3")
    bucket = props["BucketName"]
    args: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        args["CreateBucketConfiguration"] = {"LocationConstraint": region}
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(**args)
    if "CorsConfiguration" in props:
        rules = [{k: v for k, v in rule.items() if k != "MaxAge"} | (
            {"MaxAgeSeconds": rule["MaxAge"]} if "MaxAge" in rule else {})
            for rule in props["CorsConfiguration"]["CorsRules"]]
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={
            "Status": props["VersioningConfiguration"]["Status"]})
    notif = props.get("NotificationConfiguration", {})
    queues = []
    for conf in notif.get("QueueConfigurations", []):
        entry: dict[str, Any] = {"QueueArn": conf["Queue"], "Events": [conf["Event"]]}
        rules = conf.get("Filter", {}).get("S3Key", {}).get("Rules")
        if rules:
            entry["Filter"] = {"Key": {"FilterRules": rules}}
        queues.append(entry)
    if queues:
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": queues})
    return Created(bucket, {"Arn": f"arn:aws:s3:::{bucket}",
                            "RegionalDomainName": f"{bucket}.s3.{region}.amazonaws.com",
                            "DomainName": f"{bucket}.s3.amazonaws.com"})


def _sqs_queue(clients: Any, props: dict[str, Any], region: str, name: str) -> Created:
    sqs = clients("sqs")
    qname = props["QueueName"]
    attrs: dict[str, str] = {}
    for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds",
                "ReceiveMessageWaitTimeSeconds", "MaximumMessageSize"):
        if key in props:
            attrs[key] = str(props[key])
    if "RedrivePolicy" in props:
        attrs["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
    url = sqs.create_queue(QueueName=qname, Attributes=attrs)["QueueUrl"]
    arn = f"arn:aws:sqs:{region}:{ACCOUNT_ID}:{qname}"
    return Created(url, {"Arn": arn, "QueueName": qname, "QueueUrl": url})


def _sqs_queue_policy(clients: Any, props: dict[str, Any], region: str, name: str) -> Created:
    sqs = clients("sqs")
    for url in props["Queues"]:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={
            "Policy": json.dumps(props["PolicyDocument"])})
    return Created(name)


def _dynamodb_table(clients: Any, props: dict[str, Any], region: str, name: str) -> Created:
    ddb = clients("dynamodb")
    table = props["TableName"]
    args: dict[str, Any] = {
        "TableName": table,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if "GlobalSecondaryIndexes" in props:
        args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    with contextlib.suppress(ddb.exceptions.ResourceInUseException):
        ddb.create_table(**args)
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        ddb.update_time_to_live(TableName=table, TimeToLiveSpecification=ttl)
    arn = f"arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{table}"
    return Created(table, {"Arn": arn})


def _sns_topic(clients: Any, props: dict[str, Any], region: str, name: str) -> Created:
    arn = clients("sns").create_topic(Name=props["TopicName"])["TopicArn"]
    return Created(arn, {"TopicArn": arn, "TopicName": props["TopicName"]})


def _sns_subscription(clients: Any, props: dict[str, Any], region: str,
                      name: str) -> Created:
    attributes = {}
    if props.get("RawMessageDelivery"):
        attributes["RawMessageDelivery"] = "true"
    arn = clients("sns").subscribe(TopicArn=props["TopicArn"], Protocol=props["Protocol"],
                                   Endpoint=props["Endpoint"], Attributes=attributes,
                                   ReturnSubscriptionArn=True)["SubscriptionArn"]
    return Created(arn)


def _ses_identity(clients: Any, props: dict[str, Any], region: str, name: str) -> Created:
    identity = props["EmailIdentity"]
    ses = clients("ses")
    if "@" in identity:
        ses.verify_email_identity(EmailAddress=identity)
    else:
        ses.verify_domain_identity(Domain=identity)
    return Created(identity)


def _user_pool(clients: Any, props: dict[str, Any], region: str, name: str) -> Created:
    idp = clients("cognito-idp")
    pool_name = props["UserPoolName"]
    for pool in idp.list_user_pools(MaxResults=60)["UserPools"]:
        if pool["Name"] == pool_name:
            pool_id = pool["Id"]
            break
    else:
        args: dict[str, Any] = {"PoolName": pool_name}
        for key in ("UsernameAttributes", "AutoVerifiedAttributes", "Policies",
                    "AccountRecoverySetting"):
            if key in props:
                args[key] = props[key]
        pool_id = idp.create_user_pool(**args)["UserPool"]["Id"]
    arn = f"arn:aws:cognito-idp:{region}:{ACCOUNT_ID}:userpool/{pool_id}"
    return Created(pool_id, {"Arn": arn, "ProviderName": f"cognito-idp.{region}.amazonaws.com/"
                                                         f"{pool_id}"})


def _user_pool_client(clients: Any, props: dict[str, Any], region: str, name: str) -> Created:
    idp = clients("cognito-idp")
    pool_id = props["UserPoolId"]
    for existing in idp.list_user_pool_clients(UserPoolId=pool_id,
                                               MaxResults=60)["UserPoolClients"]:
        if existing["ClientName"] == props["ClientName"]:
            return Created(existing["ClientId"])
    args: dict[str, Any] = {"UserPoolId": pool_id, "ClientName": props["ClientName"],
                            "GenerateSecret": bool(props.get("GenerateSecret", False))}
    for key in ("ExplicitAuthFlows", "PreventUserExistenceErrors"):
        if key in props:
            args[key] = props[key]
    client_id = idp.create_user_pool_client(**args)["UserPoolClient"]["ClientId"]
    return Created(client_id)


CREATORS: dict[str, Creator] = {
    "AWS::S3::Bucket": _s3_bucket,
    "AWS::SQS::Queue": _sqs_queue,
    "AWS::SQS::QueuePolicy": _sqs_queue_policy,
    "AWS::DynamoDB::Table": _dynamodb_table,
    "AWS::SNS::Topic": _sns_topic,
    "AWS::SNS::Subscription": _sns_subscription,
    "AWS::SES::EmailIdentity": _ses_identity,
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
}


def provision(clients: Callable[[str], Any], *, stack_name: str, region: str,
              template: dict[str, Any] | None = None,
              parameters: dict[str, str] | None = None) -> StackResult:
    """Create every emulated resource of the template; idempotent.

    ``clients`` maps a service name to a boto3 client pointed at the moto server.
    """
    template = template or load_template()
    resources = own_resources(template)
    params = {name: str(spec.get("Default", ""))
              for name, spec in (template.get("Parameters") or {}).items()}
    params.update(parameters or {})
    conditions = _conditions(template, params)
    created: dict[str, Created] = {}
    skipped: dict[str, str] = {}
    resolver = _Resolver(stack_name, region, params, created)
    for name in creation_order(resources):
        body = resources[name]
        kind = body["Type"]
        if body.get("Condition") and not conditions.get(body["Condition"], False):
            skipped[name] = f"condition {body['Condition']} is false"
            continue
        if kind in NOT_EMULATED:
            skipped[name] = NOT_EMULATED[kind]
            continue
        creator = CREATORS.get(kind)
        if creator is None:
            raise TemplateError(
                f"{name}: resource type {kind} is neither emulated nor listed in NOT_EMULATED")
        props = resolver.resolve(body.get("Properties", {}))
        created[name] = creator(clients, props, region, name)
    outputs: dict[str, str] = {}
    for key, spec in (template.get("Outputs") or {}).items():
        try:
            outputs[key] = str(resolver.resolve(spec["Value"]))
        except TemplateError:
            continue  # an output of a resource that is not emulated locally
    return StackResult(created, outputs, skipped)


def _conditions(template: dict[str, Any], params: dict[str, str]) -> dict[str, bool]:
    """Evaluate the simple conditions the template uses (Not/Equals on parameters)."""
    def evaluate(expr: Any) -> Any:
        if isinstance(expr, dict) and len(expr) == 1:
            (key, arg), = expr.items()
            if key == "Ref":
                return params.get(arg, "")
            if key == "Fn::Equals":
                return evaluate(arg[0]) == evaluate(arg[1])
            if key == "Fn::Not":
                return not evaluate(arg[0])
            raise TemplateError(f"condition function {key} is not supported locally")
        return expr

    return {name: bool(evaluate(expr))
            for name, expr in (template.get("Conditions") or {}).items()}
