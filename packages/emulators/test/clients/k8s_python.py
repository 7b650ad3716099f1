import base64
import os

from kubernetes import client, config
from kubernetes.client.rest import ApiException
from scenarios import expect, report, scenario

config.load_kube_config(config_file=os.environ["KUBECONFIG"])
core = client.CoreV1Api()
NS = "default"


def status_of(call):
    try:
        call()
    except ApiException as error:
        return error.status
    raise AssertionError("no error")


def secret(name, data=None, string_data=None, type_=None, labels=None, resource_version=None):
    return client.V1Secret(
        metadata=client.V1ObjectMeta(name=name, labels=labels, resource_version=resource_version),
        data=data,
        string_data=string_data,
        type=type_,
    )


@scenario("VersionApi.get_code (GET /version/)")
def _():
    expect(client.VersionApi().get_code().git_version.startswith("v1."), "version")


@scenario("create with stringData, read back as base64 data")
def _():
    created = core.create_namespaced_secret(NS, secret("app-db", string_data={"password": "one"}, labels={"app": "shop"}))
    expect(created.metadata.resource_version, "resourceVersion")
    read = core.read_namespaced_secret("app-db", NS)
    expect(base64.b64decode(read.data["password"]) == b"one", read.data)
    expect(read.string_data is None, "stringData returned")


@scenario("list with a label selector")
def _():
    core.create_namespaced_secret(NS, secret("other", string_data={"a": "b"}, labels={"app": "other"}))
    names = [s.metadata.name for s in core.list_namespaced_secret(NS, label_selector="app=shop").items]
    expect(names == ["app-db"], names)


@scenario("list in chunks with limit and _continue")
def _():
    for i in range(3):
        core.create_namespaced_secret(NS, secret(f"chunk-{i}", string_data={"i": str(i)}, labels={"chunk": "yes"}))
    first = core.list_namespaced_secret(NS, label_selector="chunk=yes", limit=2)
    rest = core.list_namespaced_secret(NS, label_selector="chunk=yes", limit=2, _continue=first.metadata._continue)
    names = [s.metadata.name for s in first.items + rest.items]
    expect(names == ["chunk-0", "chunk-1", "chunk-2"], names)


@scenario("patch a Secret")
def _():
    core.patch_namespaced_secret("app-db", NS, {"metadata": {"labels": {"tier": "db"}}})
    expect(core.read_namespaced_secret("app-db", NS).metadata.labels == {"app": "shop", "tier": "db"}, "labels")


@scenario("replace with a stale resourceVersion is a 409")
def _():
    current = core.read_namespaced_secret("app-db", NS)
    stale = current.metadata.resource_version
    core.replace_namespaced_secret("app-db", NS, secret("app-db", string_data={"password": "two"}, resource_version=stale))
    code = status_of(lambda: core.replace_namespaced_secret("app-db", NS, secret("app-db", string_data={"password": "three"}, resource_version=stale)))
    expect(code == 409, code)


@scenario("a kubernetes.io/tls Secret without its keys is a 422")
def _():
    code = status_of(lambda: core.create_namespaced_secret(NS, secret("bad-tls", data={}, type_="kubernetes.io/tls")))
    expect(code == 422, code)


@scenario("delete, then read is a 404")
def _():
    core.delete_namespaced_secret("other", NS)
    expect(status_of(lambda: core.read_namespaced_secret("other", NS)) == 404, "still there")


@scenario("a wrong token is a 401")
def _():
    configuration = client.Configuration.get_default_copy()
    configuration.api_key = {"authorization": "Bearer wrong"}
    bad = client.CoreV1Api(client.ApiClient(configuration))
    expect(status_of(lambda: bad.list_namespaced_secret(NS)) == 401, "accepted")


report()
