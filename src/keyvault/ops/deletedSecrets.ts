import { KeyVaultErrors } from "../KeyVaultError.js";
import { Secrets, rowSecretName } from "../Secrets.js";
import { deletedSecretBundle, deletedSecretItem, secretBundle } from "../bundle.js";
import { liveDeleted, maxResults, nextLink, pageOf, skipToken } from "./common.js";
import { DATA_ACTIONS, type KvCall, type KvOperation } from "./types.js";

async function mustGetDeleted(call: KvCall) {
  const d = await liveDeleted(call, call.params.name!);
  if (!d) throw KeyVaultErrors.deletedSecretNotFound(call.params.name!);
  return d;
}

/** `GET /deletedsecrets`: soft-deleted secrets whose retention has not run out. */
export const listDeletedSecrets: KvOperation = {
  method: "GET",
  operationName: "SecretListDeleted",
  url: "/deletedsecrets",
  permission: "list",
  dataAction: DATA_ACTIONS.readMetadata,
  write: false,
  async handler(call) {
    const limit = maxResults(call.query);
    const after = skipToken(call.query);
    const rows = await Secrets.deletedPage(call.tx, call.vault.name, after, limit + 1);
    const page = pageOf(rows, limit, (r) => rowSecretName(r.id));
    const now = call.ctx.clock.nowSeconds();
    return {
      status: 200,
      body: {
        value: page.rows.filter((r) => r.value.scheduledPurgeDate > now).map((r) => deletedSecretItem(call.origin, r.value, call.vault)),
        nextLink: page.next ? nextLink(call, "/deletedsecrets", page.next, limit) : null,
      },
    };
  },
};

/**
 * `GET /deletedsecrets/{name}`. Under access policies it needs the secrets `get` permission, not `list` [D]: the
 * Key Vault REST spec, as shipped in @azure/keyvault-secrets 4.11 (getDeletedSecret): "The Get Deleted Secret
 * operation returns the specified deleted secret along with its attributes. This operation requires the
 * secrets/get permission." Under RBAC it reads metadata only (no value), hence readMetadata (reference §3.2).
 */
export const getDeletedSecret: KvOperation = {
  method: "GET",
  operationName: "SecretGetDeleted",
  url: "/deletedsecrets/:name",
  permission: "get",
  dataAction: DATA_ACTIONS.readMetadata,
  write: false,
  nameParam: "name",
  async handler(call) {
    return { status: 200, body: deletedSecretBundle(call.origin, await mustGetDeleted(call), call.vault) };
  },
};

/** `POST /deletedsecrets/{name}/recover`: the secret and all its versions come back. */
export const recoverDeletedSecret: KvOperation = {
  method: "POST",
  operationName: "SecretRecover",
  url: "/deletedsecrets/:name/recover",
  permission: "recover",
  dataAction: DATA_ACTIONS.recover,
  write: true,
  nameParam: "name",
  async handler(call) {
    const d = await mustGetDeleted(call);
    await Secrets.deleteDeleted(call.tx, call.vault.name, d.name);
    await Secrets.put(call.tx, call.vault.name, { name: d.name, latest: d.latest });
    return { status: 200, body: secretBundle(call.origin, d.latest, call.vault, false) };
  },
};

/** `DELETE /deletedsecrets/{name}`: 204, refused under purge protection. */
export const purgeDeletedSecret: KvOperation = {
  method: "DELETE",
  operationName: "SecretPurge",
  url: "/deletedsecrets/:name",
  permission: "purge",
  dataAction: DATA_ACTIONS.purge,
  write: true,
  nameParam: "name",
  async handler(call) {
    const d = await mustGetDeleted(call);
    if (call.vault.enablePurgeProtection) {
      throw KeyVaultErrors.purgeProtected(call.vault.name, call.vault.location).withHint(
        `'${d.name}' is purged automatically at ${new Date(d.scheduledPurgeDate * 1000).toISOString()}; advance the lab clock to get there`,
      );
    }
    await Secrets.purge(call.tx, call.vault.name, d.name);
    return { status: 204 };
  },
};
