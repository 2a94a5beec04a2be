import { KeyVaultErrors } from "../KeyVaultError.js";
import { Secrets } from "../Secrets.js";
import { isObject, parseMetadata, VERSION_RE } from "../rules.js";
import { secretBundle } from "../bundle.js";
import { mustGetSecret } from "./common.js";
import { DATA_ACTIONS, type KvCall, type KvOperation, type KvResult } from "./types.js";

async function update(call: KvCall, version: string | undefined): Promise<KvResult> {
  const name = call.params.name!;
  const head = await mustGetSecret(call, name);
  let rec = head.latest;
  if (version) {
    const v = VERSION_RE.test(version) ? await Secrets.getVersion(call.tx, call.vault.name, name, version) : undefined;
    if (!v) throw KeyVaultErrors.secretNotFound(`${name}/${version}`);
    rec = v;
  }
  if (call.body !== undefined && !isObject(call.body)) throw KeyVaultErrors.badParameter("The request body must be a JSON object.");
  const body = isObject(call.body) ? call.body : {};
  const meta = parseMetadata(body);
  if (body.contentType !== undefined) rec.contentType = meta.contentType;
  if (body.tags !== undefined) rec.tags = meta.tags;
  if (meta.attributes.enabled !== undefined) rec.enabled = meta.attributes.enabled;
  if (isObject(body.attributes) && "nbf" in body.attributes) rec.nbf = meta.attributes.nbf;
  if (isObject(body.attributes) && "exp" in body.attributes) rec.exp = meta.attributes.exp;
  rec.updated = call.ctx.clock.nowSeconds();
  await Secrets.putVersion(call.tx, call.vault.name, rec);
  if (rec.version === head.latest.version) await Secrets.put(call.tx, call.vault.name, { name: head.name, latest: rec });
  return {
    status: 200,
    body: secretBundle(call.origin, rec, call.vault, false),
    hint: body.value !== undefined ? "an update cannot change a secret's value; set the secret to make a new version" : undefined,
  };
}

/** `PATCH /secrets/{name}/{version}`: contentType, attributes and tags; never the value. */
export const updateSecretVersion: KvOperation = {
  method: "PATCH",
  operationName: "SecretUpdate",
  url: "/secrets/:name/:version",
  permission: "set",
  dataAction: DATA_ACTIONS.update,
  write: true,
  nameParam: "name",
  handler: (call) => update(call, call.params.version),
};

/** `PATCH /secrets/{name}/` (empty version): the latest version. */
export const updateSecret: KvOperation = { ...updateSecretVersion, url: "/secrets/:name", handler: (call) => update(call, undefined) };
