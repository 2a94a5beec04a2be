import { Secrets, type DeletedSecretRecord } from "../Secrets.js";
import { deletedSecretBundle } from "../bundle.js";
import { mustGetSecret } from "./common.js";
import { DATA_ACTIONS, type KvOperation } from "./types.js";

/** `DELETE /secrets/{name}`: soft delete; the versions stay until the secret is purged or its retention ends. */
export const deleteSecret: KvOperation = {
  method: "DELETE",
  operationName: "SecretDelete",
  url: "/secrets/:name",
  permission: "delete",
  dataAction: DATA_ACTIONS.delete,
  write: true,
  nameParam: "name",
  async handler(call) {
    const head = await mustGetSecret(call, call.params.name!);
    const now = call.ctx.clock.nowSeconds();
    const d: DeletedSecretRecord = {
      name: head.name,
      latest: head.latest,
      deletedDate: now,
      scheduledPurgeDate: now + call.vault.softDeleteRetentionInDays * 86_400,
    };
    await Secrets.delete(call.tx, call.vault.name, head.name);
    await Secrets.putDeleted(call.tx, call.vault.name, d);
    return { status: 200, body: deletedSecretBundle(call.origin, d, call.vault) };
  },
};
