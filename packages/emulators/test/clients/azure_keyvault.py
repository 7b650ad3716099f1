import os
import time

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.keyvault.secrets import SecretClient
from scenarios import expect, report, scenario


class StaticToken:
    """A credential handing out the emulator's static token (azure-identity is not needed for it)."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken(os.environ["AZURE_TOKEN"], int(time.time()) + 3600)


client = SecretClient(
    vault_url=os.environ["AZURE_VAULT_URL"],
    credential=StaticToken(),
    verify_challenge_resource=False,
    connection_verify=os.environ["AZURE_CA_FILE"],
)


@scenario("set_secret and get_secret (after the bearer challenge)")
def _():
    created = client.set_secret("app-db", "one", tags={"team": "core"})
    expect(created.value == "one" and created.properties.version, created)
    expect(client.get_secret("app-db").value == "one", "value")


@scenario("a new version, and the old one by version")
def _():
    first = client.get_secret("app-db").properties.version
    client.set_secret("app-db", "two")
    expect(client.get_secret("app-db").value == "two", "latest")
    expect(client.get_secret("app-db", first).value == "one", "old version")


@scenario("list_properties_of_secrets and of versions")
def _():
    client.set_secret("other", "x")
    names = [p.name for p in client.list_properties_of_secrets()]
    expect({"app-db", "other"} <= set(names), names)
    expect(len(list(client.list_properties_of_secret_versions("app-db"))) == 2, "versions")


@scenario("update_secret_properties (content type, disabled)")
def _():
    client.update_secret_properties("other", content_type="text/plain", enabled=False)
    try:
        client.get_secret("other")
        raise AssertionError("disabled secret read")
    except HttpResponseError as error:
        expect(error.status_code == 403, error.status_code)


@scenario("a missing secret is ResourceNotFoundError")
def _():
    try:
        client.get_secret("never-there")
        raise AssertionError("found")
    except ResourceNotFoundError as error:
        expect(error.error.code == "SecretNotFound", error.error.code)


@scenario("backup_secret, purge, restore_secret_backup (the base64url round trip)")
def _():
    blob = client.backup_secret("app-db")
    expect(isinstance(blob, bytes) and len(blob) > 32, type(blob))
    client.begin_delete_secret("app-db").wait()
    client.purge_deleted_secret("app-db")
    for _ in range(50):
        try:
            restored = client.restore_secret_backup(blob)
            break
        except HttpResponseError:
            time.sleep(0.1)
    expect(restored.name == "app-db", restored)
    expect(client.get_secret("app-db").value == "two", "restored value")


@scenario("a malformed backup gets the service's message")
def _():
    try:
        client.restore_secret_backup(bytes(4728))
        raise AssertionError("restored")
    except HttpResponseError as error:
        expect("Backup blob contains invalid or corrupt version." in str(error), str(error))


@scenario("begin_delete_secret, get_deleted_secret, begin_recover_deleted_secret")
def _():
    deleted = client.begin_delete_secret("app-db").result()
    expect(deleted.recovery_id and deleted.scheduled_purge_date, deleted)
    expect(client.get_deleted_secret("app-db").name == "app-db", "deleted")
    expect("app-db" in [d.name for d in client.list_deleted_secrets()], "listed")
    client.begin_recover_deleted_secret("app-db").wait()
    expect(client.get_secret("app-db").value == "two", "recovered")


report()
