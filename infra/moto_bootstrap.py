#!/usr/bin/env python3
"""Create the DynamoDB tables and SQS queues of template.yaml in a moto server.

Usage:
    python3 infra/moto_bootstrap.py --endpoint http://127.0.0.1:PORT \
        [--template template.yaml] [--prefix NAME]

Every AWS::DynamoDB::Table and AWS::SQS::Queue of the template is created (or reused when it
already exists, so running twice is fine) with the template's key schema, attribute
definitions, secondary indexes, TTL and queue attributes. Physical names:

    table           <prefix><LogicalId>
    queue           <prefix><LogicalId>          (+ ".fifo" for a FIFO queue)

The script then prints, one per line, `export NAME=value` for every environment variable of
Globals.Function and of each function whose value is `!Ref` of a created table (its name) or
queue (its URL); other variables are not printed. So:

    eval "$(python3 infra/moto_bootstrap.py --endpoint http://127.0.0.1:5000)"

Region: AWS_DEFAULT_REGION (else AWS_REGION, else us-east-1). Credentials: the environment's
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY if both are set, otherwise the dummy `testing` pair
(profiles in ~/.aws are never read). Diagnostics go to stderr, exports to stdout.

Requires Python 3.11+, boto3 and PyYAML (both come with `pip install "moto[server]"`).
Exit codes: 0 ok, 1 template problem, 2 moto unreachable, 3 AWS API error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
from typing import Any

try:
    import boto3
    import botocore.config
    import botocore.exceptions
    import yaml
except ImportError as exc:  # pragma: no cover - environment problem
    sys.exit(f"moto_bootstrap: missing Python package ({exc.name}); "
             'install with: pip install "moto[server]" boto3 PyYAML')

TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")

# CloudFormation properties that are mirrored in moto (physical names are always derived).
TABLE_PROPS = ("AttributeDefinitions", "BillingMode", "GlobalSecondaryIndexes", "KeySchema",
               "LocalSecondaryIndexes", "ProvisionedThroughput", "StreamSpecification",
               "TimeToLiveSpecification")
# CloudFormation property -> SQS attribute (same names); FifoQueue only at creation.
QUEUE_ATTRS = ("ContentBasedDeduplication", "DeduplicationScope", "DelaySeconds",
               "FifoThroughputLimit", "MaximumMessageSize", "MessageRetentionPeriod",
               "ReceiveMessageWaitTimeSeconds", "RedriveAllowPolicy", "RedrivePolicy",
               "VisibilityTimeout")
QUEUE_PROPS = ("FifoQueue",) + QUEUE_ATTRS


class TemplateError(Exception):
    """The template uses something this script cannot resolve."""


# ------------------------------------------------------------------------------------------------
# YAML loading with CloudFormation short-form tags
# ------------------------------------------------------------------------------------------------

class CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns `!Ref x` into {"Ref": x} and `!Foo v` into {"Fn::Foo": v}."""


def _construct_node(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _cfn_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    value = _construct_node(loader, node)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        # !GetAtt Resource.Attribute (the attribute itself may contain dots)
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _cfn_tag)


def load_template(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.load(fh, Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
    except OSError as exc:
        raise TemplateError(f"cannot read template {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise TemplateError(f"cannot parse template {path}: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        raise TemplateError(f"{path} has no Resources section")
    return doc


# ------------------------------------------------------------------------------------------------
# Intrinsic resolution (just enough for table and queue properties)
# ------------------------------------------------------------------------------------------------

_SUB_VAR = re.compile(r"\$\{([^}!]+)\}")


class Resolver:
    def __init__(self, template: dict, region: str, stack_name: str):
        self.template = template
        self.resources: dict = template["Resources"]
        self.region = region
        self.stack_name = stack_name
        self.account_id = "123456789012"  # moto's default; replaced once a queue/table ARN is seen
        # logical id -> {"Ref": ..., "Arn": ..., ...}, filled as resources are created
        self.created: dict[str, dict[str, str]] = {}
        self.params = {
            name: spec.get("Default")
            for name, spec in (template.get("Parameters") or {}).items()
        }
        self._conditions: dict[str, bool] = {}

    # -- conditions --------------------------------------------------------------------------

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            conditions = self.template.get("Conditions") or {}
            if name not in conditions:
                raise TemplateError(f"unknown condition {name}")
            self._conditions[name] = bool(self.resolve(conditions[name]))
        return self._conditions[name]

    def enabled(self, logical_id: str) -> bool:
        cond = self.resources[logical_id].get("Condition")
        return True if cond is None else self.condition(cond)

    # -- values ------------------------------------------------------------------------------

    def deps(self, value: Any) -> set[str]:
        """Logical ids of tables/queues that `value` refers to."""
        found: set[str] = set()

        def walk(v: Any) -> None:
            if isinstance(v, dict):
                if "Ref" in v and isinstance(v["Ref"], str):
                    found.add(v["Ref"])
                if "Fn::GetAtt" in v:
                    target = v["Fn::GetAtt"]
                    if isinstance(target, list) and target:
                        found.add(target[0])
                if "Fn::Sub" in v:
                    sub = v["Fn::Sub"]
                    text = sub[0] if isinstance(sub, list) else sub
                    if isinstance(text, str):
                        found.update(m.split(".")[0] for m in _SUB_VAR.findall(text))
                for item in v.values():
                    walk(item)
            elif isinstance(v, list):
                for item in v:
                    walk(item)

        walk(value)
        return {d for d in found if self.resources.get(d, {}).get("Type") in (TABLE, QUEUE)}

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/"
                            f"{self.stack_name}/00000000-0000-0000-0000-000000000000",
            "AWS::NoValue": None,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.params:
            return self.params[name]
        if name in self.created:
            return self.created[name]["Ref"]
        raise TemplateError(f"cannot resolve Ref {name} (not a parameter or a created table/queue)")

    def get_att(self, logical_id: str, attribute: str) -> str:
        attrs = self.created.get(logical_id)
        if attrs is None:
            raise TemplateError(f"cannot resolve GetAtt {logical_id}.{attribute}: "
                                f"{logical_id} is not a created table or queue")
        if attribute not in attrs:
            raise TemplateError(f"GetAtt {logical_id}.{attribute} is not supported here "
                                f"(known: {', '.join(sorted(attrs))})")
        return attrs[attribute]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::GetAtt":
                if isinstance(arg, str):
                    arg = arg.split(".", 1)
                return self.get_att(arg[0], arg[1])
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                sep, items = arg
                return sep.join(str(i) for i in self.resolve(items))
            if key == "Fn::Select":
                index, items = self.resolve(arg)
                return items[int(index)]
            if key == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(cond) else no)
            if key == "Fn::Equals":
                a, b = self.resolve(arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(a) for a in arg)
            if key == "Fn::Or":
                return any(self.resolve(a) for a in arg)
            if key.startswith("Fn::"):
                raise TemplateError(f"intrinsic {key} is not supported by moto_bootstrap")
        return {k: self.resolve(v) for k, v in value.items() if v != {"Ref": "AWS::NoValue"}}

    def properties(self, logical_id: str) -> dict:
        """The resolved properties this script uses (others may reference things it can't resolve)."""
        res = self.resources[logical_id]
        raw = res.get("Properties") or {}
        used = TABLE_PROPS if res["Type"] == TABLE else QUEUE_PROPS
        return {k: self.resolve(v) for k, v in raw.items()
                if k in used and v != {"Ref": "AWS::NoValue"}}

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, local = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}
        else:
            text, local = arg, {}

        def repl(m: re.Match) -> str:
            name = m.group(1)
            if name in local:
                return str(local[name])
            if "." in name and not name.startswith("AWS::"):
                res, att = name.split(".", 1)
                return str(self.get_att(res, att))
            return str(self.ref(name))

        return _SUB_VAR.sub(repl, text).replace("${!", "${")


# ------------------------------------------------------------------------------------------------
# Creating things
# ------------------------------------------------------------------------------------------------

def log(msg: str) -> None:
    print(f"moto_bootstrap: {msg}", file=sys.stderr)


def cfn_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def create_table(ddb, resolver: Resolver, logical_id: str, name: str) -> dict[str, str]:
    props = resolver.properties(logical_id)
    billing = props.get("BillingMode", "PROVISIONED")
    try:
        desc = ddb.describe_table(TableName=name)["Table"]
        log(f"table {name} exists, reusing it")
        wanted = sorted((k["AttributeName"], k["KeyType"]) for k in props["KeySchema"])
        actual = sorted((k["AttributeName"], k["KeyType"]) for k in desc["KeySchema"])
        if wanted != actual:
            log(f"WARNING: table {name} has key schema {actual}, template says {wanted}; "
                "restart moto for a clean state")
    except ddb.exceptions.ResourceNotFoundException:
        kwargs: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": billing,
        }
        if billing == "PROVISIONED":
            kwargs["ProvisionedThroughput"] = _throughput(props.get("ProvisionedThroughput"))
        gsis = []
        for gsi in props.get("GlobalSecondaryIndexes") or []:
            item = {k: gsi[k] for k in ("IndexName", "KeySchema", "Projection") if k in gsi}
            if billing == "PROVISIONED":
                item["ProvisionedThroughput"] = _throughput(gsi.get("ProvisionedThroughput"))
            gsis.append(item)
        if gsis:
            kwargs["GlobalSecondaryIndexes"] = gsis
        lsis = [{k: lsi[k] for k in ("IndexName", "KeySchema", "Projection") if k in lsi}
                for lsi in props.get("LocalSecondaryIndexes") or []]
        if lsis:
            kwargs["LocalSecondaryIndexes"] = lsis
        stream = props.get("StreamSpecification")
        if stream and stream.get("StreamViewType"):
            kwargs["StreamSpecification"] = {"StreamEnabled": True,
                                             "StreamViewType": stream["StreamViewType"]}
        desc = ddb.create_table(**kwargs)["TableDescription"]
        ddb.get_waiter("table_exists").wait(TableName=name,
                                            WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        log(f"table {name} created")

    ttl = props.get("TimeToLiveSpecification")
    if ttl and cfn_bool(ttl.get("Enabled")):
        current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") \
                or current.get("AttributeName") != ttl["AttributeName"]:
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": ttl["AttributeName"]})
            log(f"table {name}: TTL on {ttl['AttributeName']}")

    attrs = {"Ref": name, "Arn": desc["TableArn"]}
    if desc.get("LatestStreamArn"):
        attrs["StreamArn"] = desc["LatestStreamArn"]
    return attrs


def _throughput(spec: dict | None) -> dict:
    spec = spec or {}
    return {"ReadCapacityUnits": int(spec.get("ReadCapacityUnits", 5)),
            "WriteCapacityUnits": int(spec.get("WriteCapacityUnits", 5))}


def _queue_attr_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def create_queue(sqs, resolver: Resolver, logical_id: str, name: str) -> dict[str, str]:
    props = resolver.properties(logical_id)
    fifo = cfn_bool(props.get("FifoQueue", False))
    if fifo:
        name += ".fifo"
    attributes = {k: _queue_attr_value(props[k]) for k in QUEUE_ATTRS if k in props}
    if "RedrivePolicy" in props and isinstance(props["RedrivePolicy"], dict):
        policy = dict(props["RedrivePolicy"])
        policy["maxReceiveCount"] = int(policy.get("maxReceiveCount", 1))
        attributes["RedrivePolicy"] = json.dumps(policy)
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        if attributes:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        log(f"queue {name} exists, reusing it")
    except sqs.exceptions.QueueDoesNotExist:
        create_attrs = dict(attributes)
        if fifo:
            create_attrs["FifoQueue"] = "true"
        url = sqs.create_queue(QueueName=name, Attributes=create_attrs)["QueueUrl"]
        log(f"queue {name} created")
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}


def creation_order(resolver: Resolver, ids: list[str]) -> list[str]:
    """Topological order so that e.g. a DLQ exists before the queue whose RedrivePolicy names it."""
    def used(i: str) -> dict:
        res = resolver.resources[i]
        keys = TABLE_PROPS if res["Type"] == TABLE else QUEUE_PROPS
        return {k: v for k, v in (res.get("Properties") or {}).items() if k in keys}

    deps = {i: resolver.deps(used(i)) - {i} for i in ids}
    order: list[str] = []
    pending = list(ids)
    while pending:
        ready = [i for i in pending if deps[i] <= set(order)]
        if not ready:
            raise TemplateError(f"circular or unresolvable references among {', '.join(pending)}")
        order.extend(ready)
        pending = [i for i in pending if i not in ready]
    return order


# ------------------------------------------------------------------------------------------------
# Environment exports
# ------------------------------------------------------------------------------------------------

def env_exports(template: dict, resolver: Resolver) -> list[tuple[str, str]]:
    blocks: list[tuple[str, dict]] = []
    glob = ((template.get("Globals") or {}).get("Function") or {})
    blocks.append(("Globals.Function", (glob.get("Environment") or {}).get("Variables") or {}))
    for logical_id, res in template["Resources"].items():
        if res.get("Type") in FUNCTION_TYPES:
            env = ((res.get("Properties") or {}).get("Environment") or {}).get("Variables") or {}
            blocks.append((logical_id, env))

    out: dict[str, str] = {}
    for where, variables in blocks:
        for name, value in variables.items():
            if not (isinstance(value, dict) and set(value) == {"Ref"}):
                continue
            target = value["Ref"]
            if target not in resolver.created:
                continue
            resolved = resolver.created[target]["Ref"]
            if name in out and out[name] != resolved:
                log(f"WARNING: {where} sets {name} to a different resource; keeping the first")
                continue
            out[name] = resolved
    return list(out.items())


# ------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Create template.yaml's DynamoDB tables and SQS queues in moto and print "
                    "`export NAME=value` lines for the functions' environment.")
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL"),
                        help="moto server URL, e.g. http://127.0.0.1:5000 "
                             "(default: $AWS_ENDPOINT_URL)")
    parser.add_argument("--template", default="template.yaml", help="SAM template (default: %(default)s)")
    parser.add_argument("--prefix", default="", help="prefix for physical names (default: none)")
    parser.add_argument("--stack-name", default="paybot-local",
                        help="value of AWS::StackName when resolving !Sub (default: %(default)s)")
    args = parser.parse_args(argv)
    if not args.endpoint:
        parser.error("--endpoint is required (or set AWS_ENDPOINT_URL)")

    region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    token = os.environ.get("AWS_SESSION_TOKEN")
    if not (key and secret):
        key, secret, token = "testing", "testing", None
    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret,
                                    aws_session_token=token, region_name=region)
    config = botocore.config.Config(connect_timeout=3, read_timeout=15,
                                    retries={"max_attempts": 2, "mode": "standard"})
    ddb = session.client("dynamodb", endpoint_url=args.endpoint, config=config)
    sqs = session.client("sqs", endpoint_url=args.endpoint, config=config)

    try:
        template = load_template(args.template)
        resolver = Resolver(template, region, args.stack_name)
        resources = template["Resources"]
        ids = [i for i, r in resources.items()
               if isinstance(r, dict) and r.get("Type") in (TABLE, QUEUE) and resolver.enabled(i)]

        try:
            ddb.list_tables(Limit=1)
        except (botocore.exceptions.EndpointConnectionError,
                botocore.exceptions.ConnectTimeoutError,
                botocore.exceptions.ReadTimeoutError) as exc:
            log(f"moto is not reachable at {args.endpoint}: {exc}. "
                f"Start it with: moto_server -H 127.0.0.1 -p PORT")
            return 2

        for logical_id in creation_order(resolver, ids):
            name = f"{args.prefix}{logical_id}"
            if resources[logical_id]["Type"] == TABLE:
                attrs = create_table(ddb, resolver, logical_id, name)
            else:
                attrs = create_queue(sqs, resolver, logical_id, name)
            resolver.created[logical_id] = attrs
            account = attrs["Arn"].split(":")[4] if attrs["Arn"].count(":") >= 5 else ""
            if account:
                resolver.account_id = account

        for name, value in env_exports(template, resolver):
            print(f"export {name}={shlex.quote(value)}")
        return 0
    except TemplateError as exc:
        log(f"template error: {exc}")
        return 1
    except (botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.ConnectTimeoutError) as exc:
        log(f"lost connection to moto at {args.endpoint}: {exc}")
        return 2
    except botocore.exceptions.ClientError as exc:
        log(f"AWS API error: {exc}")
        return 3


if __name__ == "__main__":
    sys.exit(main())
