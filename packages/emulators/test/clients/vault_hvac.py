import os

import hvac
from scenarios import expect, report, scenario

client = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])


@scenario("is_initialized (sys/init)")
def _():
    expect(client.sys.is_initialized() is True, "not initialized")


@scenario("health and seal status")
def _():
    expect(client.sys.read_health_status(method="GET")["sealed"] is False, "sealed")
    expect(client.sys.is_sealed() is False, "sealed")


@scenario("is_authenticated (token lookup-self)")
def _():
    expect(client.is_authenticated(), "not authenticated")


@scenario("list_mounted_secrets_engines (sys/mounts)")
def _():
    mounts = client.sys.list_mounted_secrets_engines()
    expect(mounts["data"]["secret/"]["type"] == "kv", mounts)


@scenario("enable_auth_method approle, then list_auth_methods")
def _():
    client.sys.enable_auth_method(method_type="approle", path="approle-hvac")
    methods = client.sys.list_auth_methods()
    expect(methods["data"]["approle-hvac/"]["type"] == "approle", methods)


@scenario("kv v2 write, read, version read")
def _():
    kv = client.secrets.kv.v2
    kv.create_or_update_secret(path="app/db", secret={"password": "one"})
    kv.create_or_update_secret(path="app/db", secret={"password": "two"})
    expect(kv.read_secret_version(path="app/db")["data"]["data"] == {"password": "two"}, "latest")
    expect(kv.read_secret_version(path="app/db", version=1)["data"]["data"] == {"password": "one"}, "v1")


@scenario("kv v2 cas refuses a stale write")
def _():
    kv = client.secrets.kv.v2
    kv.create_or_update_secret(path="app/cas", secret={"a": "1"})
    try:
        kv.create_or_update_secret(path="app/cas", secret={"a": "2"}, cas=0)
        raise AssertionError("stale cas accepted")
    except hvac.exceptions.InvalidRequest as error:
        expect("check-and-set" in str(error), str(error))


@scenario("kv v2 patch")
def _():
    kv = client.secrets.kv.v2
    kv.create_or_update_secret(path="app/patched", secret={"a": "1", "b": "2"})
    kv.patch(path="app/patched", secret={"b": "3"})
    expect(kv.read_secret_version(path="app/patched")["data"]["data"] == {"a": "1", "b": "3"}, "patched")


@scenario("kv v2 list (LIST verb)")
def _():
    keys = client.secrets.kv.v2.list_secrets(path="app")["data"]["keys"]
    expect({"db", "cas", "patched"} <= set(keys), keys)


@scenario("kv v2 delete, undelete, destroy")
def _():
    kv = client.secrets.kv.v2
    kv.create_or_update_secret(path="app/gone", secret={"a": "1"})
    kv.delete_latest_version_of_secret(path="app/gone")
    try:
        kv.read_secret_version(path="app/gone")
        raise AssertionError("deleted version read")
    except hvac.exceptions.InvalidPath:
        pass
    kv.undelete_secret_versions(path="app/gone", versions=[1])
    expect(kv.read_secret_version(path="app/gone")["data"]["data"] == {"a": "1"}, "undeleted")
    kv.destroy_secret_versions(path="app/gone", versions=[1])
    meta = kv.read_secret_metadata(path="app/gone")["data"]
    expect(meta["versions"]["1"]["destroyed"] is True, meta)


@scenario("kv v2 metadata and custom_metadata")
def _():
    kv = client.secrets.kv.v2
    # hvac 0.11 has no custom_metadata argument: the same request through its adapter.
    client.adapter.post("/v1/secret/metadata/app/db", json={"custom_metadata": {"owner": "team"}})
    meta = kv.read_secret_metadata(path="app/db")["data"]
    expect(meta["current_version"] == 2 and meta["custom_metadata"] == {"owner": "team"}, meta)


@scenario("approle role, role_id, secret_id, login")
def _():
    client.auth.approle.create_or_update_approle(role_name="web", token_policies=["default"], mount_point="approle-hvac")
    role_id = client.auth.approle.read_role_id(role_name="web", mount_point="approle-hvac")["data"]["role_id"]
    secret_id = client.auth.approle.generate_secret_id(role_name="web", mount_point="approle-hvac")["data"]["secret_id"]
    login = hvac.Client(url=os.environ["VAULT_ADDR"])
    login.auth.approle.login(role_id=role_id, secret_id=secret_id, mount_point="approle-hvac")
    expect(login.is_authenticated(), "approle token not valid")


@scenario("a missing secret is InvalidPath")
def _():
    try:
        client.secrets.kv.v2.read_secret_version(path="never/there")
        raise AssertionError("found")
    except hvac.exceptions.InvalidPath:
        pass


@scenario("a bad token is Forbidden")
def _():
    try:
        hvac.Client(url=os.environ["VAULT_ADDR"], token="hvs.nope").secrets.kv.v2.read_secret_version(path="app/db")
        raise AssertionError("read with a bad token")
    except hvac.exceptions.Forbidden:
        pass


report()
