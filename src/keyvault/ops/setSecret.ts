import { KeyVaultErrors } from "../KeyVaultError.js";
import { Secrets, type SecretVersionRecord } from "../Secrets.js";
import { isObject, MAX_VALUE_BYTES, parseMetadata } from "../rules.js";
import { secretBundle } from "../bundle.js";
import { liveDeleted } from "./common.js";
import { DATA_ACTIONS, type KvOperation } from "./types.js";

/** `PUT /secrets/{name}`: always a new version. */
export const setSecret: KvOperation = {
  method: "PUT",
  operationName: "SecretSet",
  url: "/secrets/:name",
  permission: "set",
  dataAction: DATA_ACTIONS.set,
  write: true,
  nameParam: "name",
  async handler(call) {
    const name = call.params.name!;
    const body = call.body;
    if (!isObject(body)) throw KeyVaultErrors.badParameter("The request body must be a JSON object with a 'value'.");
    if (typeof body.value !== "string") throw KeyVaultErrors.badParameter("The parameter 'value' is required and must be a string.");
    const size = Buffer.byteLength(body.value, "utf8");
    if (size > MAX_VALUE_BYTES) throw KeyVaultErrors.badParameter(`The secret value is too long: ${size} bytes. The maximum is ${MAX_VALUE_BYTES} bytes.`);
    const meta = parseMetadata(body);
    const deleted = await liveDeleted(call, name);
    if (deleted) throw KeyVaultErrors.deletedButRecoverable(deleted.name);
    const existing = await Secrets.get(call.tx, call.vault.name, name);
    const now = call.ctx.clock.nowSeconds();
    const rec: SecretVersionRecord = {
      name: existing?.name ?? name,
      version: call.ctx.random.hex(16),
      value: body.value,
      ...(meta.contentType !== undefined ? { contentType: meta.contentType } : {}),
      ...(meta.tags ? { tags: meta.tags } : {}),
      enabled: meta.attributes.enabled ?? true,
      ...(meta.attributes.nbf !== undefined ? { nbf: meta.attributes.nbf } : {}),
      ...(meta.attributes.exp !== undefined ? { exp: meta.attributes.exp } : {}),
      created: now,
      updated: now,
    };
    await Secrets.putVersion(call.tx, call.vault.name, rec);
    await Secrets.put(call.tx, call.vault.name, { name: rec.name, latest: rec });
    return { status: 200, body: secretBundle(call.origin, rec, call.vault) };
  },
};
