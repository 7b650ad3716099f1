import importlib
import os
import re
import sys
import tempfile

import subprocess

import grpc
from google.protobuf import symbol_database
from scenarios import expect, report, scenario

# Messages generated here (Debian's protoc) from the protos the Node SDK ships; the calls go
# through grpcio's generic unary API with those messages.
INCLUDES = [os.environ["GCP_SDK_PROTOS"], os.environ["GCP_GAX_PROTOS"]]
OUT = tempfile.mkdtemp(prefix="hush-gcp-stubs-")


def closure(root):
    seen, todo = set(), [root]
    while todo:
        name = todo.pop()
        if name in seen or name.startswith("google/protobuf/"):
            continue
        seen.add(name)
        path = next(os.path.join(d, name) for d in INCLUDES if os.path.exists(os.path.join(d, name)))
        todo += re.findall(r'^import (?:public )?"([^"]+)";', open(path).read(), re.M)
    return sorted(seen)


files = closure("google/cloud/secretmanager/v1/service.proto")
subprocess.run(["protoc", "-I/usr/include", *[f"-I{d}" for d in INCLUDES], f"--python_out={OUT}", *files], check=True)
# No __init__.py anywhere: "google" stays a namespace package, shared with the system's google.protobuf.
sys.path.insert(0, OUT)
pb = importlib.import_module("google.cloud.secretmanager.v1.service_pb2")
resources = importlib.import_module("google.cloud.secretmanager.v1.resources_pb2")


class SecretManagerServiceStub:
    """The service's unary methods, by name, with the generated request and response messages."""

    def __init__(self, channel):
        service = pb.DESCRIPTOR.services_by_name["SecretManagerService"]
        symbols = symbol_database.Default()
        for method in service.methods:
            request = symbols.GetSymbol(method.input_type.full_name)
            response = symbols.GetSymbol(method.output_type.full_name)
            setattr(self, method.name, channel.unary_unary(f"/{service.full_name}/{method.name}", request_serializer=request.SerializeToString, response_deserializer=response.FromString))

credentials = grpc.composite_channel_credentials(
    grpc.ssl_channel_credentials(open(os.environ["GCP_CA_FILE"], "rb").read()),
    grpc.access_token_call_credentials(os.environ["GCP_TOKEN"]),
)
channel = grpc.secure_channel(f"127.0.0.1:{os.environ['GCP_PORT']}", credentials)
client = SecretManagerServiceStub(channel)
PARENT = f"projects/{os.environ['GCP_PROJECT']}"


def code_of(call):
    try:
        call()
    except grpc.RpcError as error:
        return error.code()
    raise AssertionError("no error")


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


@scenario("CreateSecret with labels")
def _():
    secret = client.CreateSecret(pb.CreateSecretRequest(parent=PARENT, secret_id="app-db", secret=resources.Secret(replication=resources.Replication(automatic=resources.Replication.Automatic()), labels={"env": "prod"})))
    expect(secret.name == f"{PARENT}/secrets/app-db", secret.name)


@scenario("AddSecretVersion with a checksum, AccessSecretVersion latest with its CRC32C")
def _():
    data = b"s3cr3t"
    client.AddSecretVersion(pb.AddSecretVersionRequest(parent=f"{PARENT}/secrets/app-db", payload=resources.SecretPayload(data=data, data_crc32c=crc32c(data))))
    access = client.AccessSecretVersion(pb.AccessSecretVersionRequest(name=f"{PARENT}/secrets/app-db/versions/latest"))
    expect(access.payload.data == data and access.payload.data_crc32c == crc32c(data), access)


@scenario("a wrong checksum is INVALID_ARGUMENT")
def _():
    call = lambda: client.AddSecretVersion(pb.AddSecretVersionRequest(parent=f"{PARENT}/secrets/app-db", payload=resources.SecretPayload(data=b"x", data_crc32c=1)))
    expect(code_of(call) == grpc.StatusCode.INVALID_ARGUMENT, "code")


@scenario("a duplicate is ALREADY_EXISTS, a missing secret NOT_FOUND")
def _():
    duplicate = lambda: client.CreateSecret(pb.CreateSecretRequest(parent=PARENT, secret_id="app-db", secret=resources.Secret(replication=resources.Replication(automatic=resources.Replication.Automatic()))))
    expect(code_of(duplicate) == grpc.StatusCode.ALREADY_EXISTS, "duplicate")
    expect(code_of(lambda: client.GetSecret(pb.GetSecretRequest(name=f"{PARENT}/secrets/never"))) == grpc.StatusCode.NOT_FOUND, "missing")


@scenario("ListSecrets with a filter and pages")
def _():
    for i in range(3):
        client.CreateSecret(pb.CreateSecretRequest(parent=PARENT, secret_id=f"item-{i}", secret=resources.Secret(replication=resources.Replication(automatic=resources.Replication.Automatic()), labels={"env": "dev"})))
    names, token = [], ""
    while True:
        page = client.ListSecrets(pb.ListSecretsRequest(parent=PARENT, filter="labels.env=dev OR name:app-db", page_size=2, page_token=token))
        names += [s.name.split("/")[-1] for s in page.secrets]
        token = page.next_page_token
        if not token:
            break
    expect(sorted(names) == ["app-db", "item-0", "item-1", "item-2"], names)


@scenario("DisableSecretVersion makes access FAILED_PRECONDITION; EnableSecretVersion undoes it")
def _():
    name = f"{PARENT}/secrets/app-db/versions/1"
    expect(client.DisableSecretVersion(pb.DisableSecretVersionRequest(name=name)).state == resources.SecretVersion.State.DISABLED, "state")
    expect(code_of(lambda: client.AccessSecretVersion(pb.AccessSecretVersionRequest(name=name))) == grpc.StatusCode.FAILED_PRECONDITION, "access")
    client.EnableSecretVersion(pb.EnableSecretVersionRequest(name=name))
    expect(client.AccessSecretVersion(pb.AccessSecretVersionRequest(name=name)).payload.data == b"s3cr3t", "enabled")


@scenario("DestroySecretVersion is final")
def _():
    name = f"{PARENT}/secrets/app-db/versions/1"
    destroyed = client.DestroySecretVersion(pb.DestroySecretVersionRequest(name=name))
    expect(destroyed.state == resources.SecretVersion.State.DESTROYED, destroyed.state)
    expect(code_of(lambda: client.EnableSecretVersion(pb.EnableSecretVersionRequest(name=name))) == grpc.StatusCode.FAILED_PRECONDITION, "enable")


@scenario("ListSecretVersions filtered by state")
def _():
    versions = client.ListSecretVersions(pb.ListSecretVersionsRequest(parent=f"{PARENT}/secrets/app-db", filter="state:DESTROYED")).versions
    expect([v.name.split("/")[-1] for v in versions] == ["1"], versions)


@scenario("a call without a token is UNAUTHENTICATED")
def _():
    bare = grpc.secure_channel(f"127.0.0.1:{os.environ['GCP_PORT']}", grpc.ssl_channel_credentials(open(os.environ["GCP_CA_FILE"], "rb").read()))
    call = lambda: SecretManagerServiceStub(bare).GetSecret(pb.GetSecretRequest(name=f"{PARENT}/secrets/app-db"))
    expect(code_of(call) == grpc.StatusCode.UNAUTHENTICATED, "code")


@scenario("DeleteSecret")
def _():
    client.DeleteSecret(pb.DeleteSecretRequest(name=f"{PARENT}/secrets/item-0"))
    expect(code_of(lambda: client.GetSecret(pb.GetSecretRequest(name=f"{PARENT}/secrets/item-0"))) == grpc.StatusCode.NOT_FOUND, "deleted")


report()
