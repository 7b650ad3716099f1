import os

import boto3
from botocore.exceptions import ClientError
from scenarios import expect, report, scenario

sm = boto3.client(
    "secretsmanager",
    endpoint_url=os.environ["AWS_ENDPOINT"],
    region_name=os.environ["AWS_REGION"],
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
)


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    raise AssertionError("no error")


@scenario("create and read a string secret")
def _():
    created = sm.create_secret(Name="app/db", SecretString="one", Description="database")
    expect(created["Name"] == "app/db" and "VersionId" in created, created)
    expect(sm.get_secret_value(SecretId="app/db")["SecretString"] == "one", "value")


@scenario("a binary secret comes back as bytes")
def _():
    sm.create_secret(Name="app/blob", SecretBinary=b"\x00\x01\xff")
    expect(sm.get_secret_value(SecretId="app/blob")["SecretBinary"] == b"\x00\x01\xff", "bytes")


@scenario("put_secret_value moves AWSCURRENT and leaves AWSPREVIOUS")
def _():
    second = sm.put_secret_value(SecretId="app/db", SecretString="two")
    versions = sm.list_secret_version_ids(SecretId="app/db")["Versions"]
    stages = {v["VersionId"]: v.get("VersionStages") for v in versions}
    expect(stages[second["VersionId"]] == ["AWSCURRENT"], stages)
    expect(sorted(s for v in stages.values() for s in v) == ["AWSCURRENT", "AWSPREVIOUS"], stages)
    previous = sm.get_secret_value(SecretId="app/db", VersionStage="AWSPREVIOUS")["SecretString"]
    expect(previous == "one", previous)


@scenario("describe_secret: no RotationEnabled, Tags [] after untagging")
def _():
    sm.tag_resource(SecretId="app/db", Tags=[{"Key": "team", "Value": "core"}])
    sm.untag_resource(SecretId="app/db", TagKeys=["team"])
    described = sm.describe_secret(SecretId="app/db")
    expect("RotationEnabled" not in described, described)
    expect(described["Tags"] == [], described)
    expect(described["Description"] == "database", described)


@scenario("an invalid name is a ValidationException")
def _():
    expect(error_code(lambda: sm.describe_secret(SecretId="bad name")) == "ValidationException", "code")


@scenario("a missing secret is a ResourceNotFoundException")
def _():
    expect(error_code(lambda: sm.get_secret_value(SecretId="never/there")) == "ResourceNotFoundException", "code")


@scenario("a VersionId with a stage it lacks is an InvalidRequestException")
def _():
    current = sm.get_secret_value(SecretId="app/db")["VersionId"]
    code = error_code(lambda: sm.get_secret_value(SecretId="app/db", VersionId=current, VersionStage="AWSPREVIOUS"))
    expect(code == "InvalidRequestException", code)


@scenario("list_secrets with a name filter and pages")
def _():
    for i in range(3):
        sm.create_secret(Name=f"paged/item-{i}", SecretString="x")
    names = []
    for page in sm.get_paginator("list_secrets").paginate(Filters=[{"Key": "name", "Values": ["paged/"]}], PaginationConfig={"PageSize": 2}):
        names += [s["Name"] for s in page["SecretList"]]
    expect(sorted(names) == ["paged/item-0", "paged/item-1", "paged/item-2"], names)


@scenario("delete with a recovery window, reads refused, restore")
def _():
    sm.delete_secret(SecretId="app/blob", RecoveryWindowInDays=7)
    expect(error_code(lambda: sm.get_secret_value(SecretId="app/blob")) == "InvalidRequestException", "read while deleted")
    sm.restore_secret(SecretId="app/blob")
    expect(sm.get_secret_value(SecretId="app/blob")["SecretBinary"] == b"\x00\x01\xff", "restored")


@scenario("a forced delete of a missing secret succeeds")
def _():
    answer = sm.delete_secret(SecretId="never/existed", ForceDeleteWithoutRecovery=True)
    expect(answer["Name"] == "never/existed" and "DeletionDate" in answer, answer)


@scenario("creating an existing name is a ResourceExistsException")
def _():
    expect(error_code(lambda: sm.create_secret(Name="app/db", SecretString="again")) == "ResourceExistsException", "code")


@scenario("update_secret_version_stage moves AWSCURRENT back")
def _():
    versions = {tuple(v.get("VersionStages", [])): v["VersionId"] for v in sm.list_secret_version_ids(SecretId="app/db")["Versions"]}
    sm.update_secret_version_stage(SecretId="app/db", VersionStage="AWSCURRENT", MoveToVersionId=versions[("AWSPREVIOUS",)], RemoveFromVersionId=versions[("AWSCURRENT",)])
    expect(sm.get_secret_value(SecretId="app/db")["SecretString"] == "one", "rolled back")


@scenario("a wrong secret key is refused")
def _():
    bad = boto3.client("secretsmanager", endpoint_url=os.environ["AWS_ENDPOINT"], region_name=os.environ["AWS_REGION"], aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="wrong")
    expect(error_code(lambda: bad.list_secrets()) == "InvalidSignatureException", "signature")


report()
