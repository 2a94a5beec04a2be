import { KeyVaultErrors } from "../KeyVaultError.js";
import { Secrets } from "../Secrets.js";
import { VERSION_RE } from "../rules.js";
import { secretBundle } from "../bundle.js";
import { mustGetSecret } from "./common.js";
import { DATA_ACTIONS, type KvCall, type KvOperation, type KvResult } from "./types.js";

async function get(call: KvCall, version: string | undefined): Promise<KvResult> {
  const name = call.params.name!;
  const head = await mustGetSecret(call, name);
  let rec = head.latest;
  if (version) {
    const v = VERSION_RE.test(version) ? await Secrets.getVersion(call.tx, call.vault.name, name, version) : undefined;
    if (!v) throw KeyVaultErrors.secretNotFound(`${name}/${version}`);
    rec = v;
  }
  if (!rec.enabled) throw KeyVaultErrors.secretDisabled("get").withHint("enable it with an update (attributes.enabled=true)");
  return { status: 200, body: secretBundle(call.origin, rec, call.vault) };
}

/** `GET /secrets/{name}` and `/secrets/{name}/` (the SDKs' form): the latest version. */
export const getSecret: KvOperation = {
  method: "GET",
  operationName: "SecretGet",
  url: "/secrets/:name",
  permission: "get",
  dataAction: DATA_ACTIONS.get,
  write: false,
  nameParam: "name",
  handler: (call) => get(call, undefined),
};

/** `GET /secrets/{name}/{version}`. */
export const getSecretVersion: KvOperation = {
  ...getSecret,
  url: "/secrets/:name/:version",
  handler: (call) => get(call, call.params.version),
};
