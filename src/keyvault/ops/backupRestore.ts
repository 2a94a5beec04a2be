import { createCipheriv, createDecipheriv } from "node:crypto";
import type { Tx } from "../../store/index.js";
import type { LabContext } from "../../platform/index.js";
import { KeyVaultErrors } from "../KeyVaultError.js";
import { Secrets, type SecretVersionRecord } from "../Secrets.js";
import { isObject, SECRET_NAME, RESTORE_BODY_LIMIT, VERSION_RE } from "../rules.js";
import { secretBundle } from "../bundle.js";
import { liveDeleted, mustGetSecret } from "./common.js";
import { DATA_ACTIONS, type KvOperation } from "./types.js";

/**
 * Backup blobs are opaque, like Key Vault's: AES-256-GCM under a lab-wide key kept in the store, so a blob
 * cannot be read, and a tampered or foreign blob fails authentication on restore. Like Key Vault, a blob
 * restores only into a vault of the subscription it was taken from.
 */
const KEY_KIND = "kv.backupKey";
const KEY_ID = "v1";
const FORMAT = 1;
const AAD = Buffer.from("wilab:keyvault:secret-backup:v1");

interface BackupPayload {
  subscriptionId: string;
  name: string;
  latest: string;
  versions: SecretVersionRecord[];
}

async function backupKey(ctx: LabContext, tx: Tx, create: boolean): Promise<Buffer | undefined> {
  const k = await tx.get<{ key: string }>(KEY_KIND, KEY_ID);
  if (k) return Buffer.from(k.key, "base64");
  if (!create) return undefined;
  const key = ctx.random.bytes(32);
  await tx.put(KEY_KIND, KEY_ID, { key: key.toString("base64") });
  return key;
}

function seal(ctx: LabContext, key: Buffer, payload: BackupPayload): string {
  const iv = ctx.random.bytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(AAD);
  const body = Buffer.concat([c.update(JSON.stringify(payload), "utf8"), c.final()]);
  return Buffer.concat([Buffer.from([FORMAT]), iv, c.getAuthTag(), body]).toString("base64url");
}

function open(key: Buffer, blob: string): BackupPayload {
  const raw = Buffer.from(blob, "base64url");
  if (raw.length < 1 + 12 + 16 + 2 || raw[0] !== FORMAT) throw KeyVaultErrors.badBackup().withHint("this is not a wilab secret backup blob");
  let text: string;
  try {
    const d = createDecipheriv("aes-256-gcm", key, raw.subarray(1, 13));
    d.setAAD(AAD);
    d.setAuthTag(raw.subarray(13, 29));
    text = Buffer.concat([d.update(raw.subarray(29)), d.final()]).toString("utf8");
  } catch {
    throw KeyVaultErrors.badBackup().withHint("the blob does not authenticate: it was altered, or made by another lab");
  }
  const p = JSON.parse(text) as BackupPayload;
  if (!SECRET_NAME.test(p.name) || !Array.isArray(p.versions) || p.versions.length === 0 || !p.versions.every((v) => VERSION_RE.test(v.version))) {
    throw KeyVaultErrors.badBackup();
  }
  return p;
}

/** `POST /secrets/{name}/backup` → `{"value": "<base64url blob>"}`, all versions included. */
export const backupSecret: KvOperation = {
  method: "POST",
  operationName: "SecretBackup",
  url: "/secrets/:name/backup",
  permission: "backup",
  dataAction: DATA_ACTIONS.backup,
  write: true, // the lab's backup key is made on first use
  nameParam: "name",
  async handler(call) {
    const head = await mustGetSecret(call, call.params.name!);
    const versions = await Secrets.allVersions(call.tx, call.vault.name, head.name);
    const key = (await backupKey(call.ctx, call.tx, true))!;
    const payload: BackupPayload = { subscriptionId: call.vault.id.split("/")[2]!.toLowerCase(), name: head.name, latest: head.latest.version, versions };
    return { status: 200, body: { value: seal(call.ctx, key, payload) } };
  },
};

/** `POST /secrets/restore` `{"value": blob}`: the secret and its versions, under the name it was backed up with. */
export const restoreSecret: KvOperation = {
  method: "POST",
  operationName: "SecretRestore",
  url: "/secrets/restore",
  permission: "restore",
  dataAction: DATA_ACTIONS.restore,
  write: true,
  bodyLimit: RESTORE_BODY_LIMIT,
  async handler(call) {
    const body = call.body;
    if (!isObject(body) || typeof body.value !== "string" || !body.value) throw KeyVaultErrors.badParameter("The parameter 'value' (the backup blob) is required.");
    const key = await backupKey(call.ctx, call.tx, false);
    if (!key) throw KeyVaultErrors.badBackup().withHint("this lab has never made a backup");
    const p = open(key, body.value);
    if (p.subscriptionId !== call.vault.id.split("/")[2]!.toLowerCase()) {
      throw KeyVaultErrors.badBackup().withHint("a backup restores only into a vault of the subscription it was taken from");
    }
    const deleted = await liveDeleted(call, p.name);
    if (deleted) throw KeyVaultErrors.deletedButRecoverable(deleted.name);
    if (await Secrets.get(call.tx, call.vault.name, p.name)) throw KeyVaultErrors.secretAlreadyExists(p.name);
    for (const v of p.versions) await Secrets.putVersion(call.tx, call.vault.name, { ...v, name: p.name });
    const latest = p.versions.find((v) => v.version === p.latest) ?? p.versions[p.versions.length - 1]!;
    await Secrets.put(call.tx, call.vault.name, { name: p.name, latest: { ...latest, name: p.name } });
    return { status: 200, body: secretBundle(call.origin, { ...latest, name: p.name }, call.vault, false) };
  },
};
