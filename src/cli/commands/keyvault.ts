import { bool, str, tagsArg, type ArgDef, type Args, type CommandDef, type GroupDef } from "../core/command.js";
import { CliError, ServiceError, UsageError } from "../core/errors.js";
import { vaultUrlFor } from "../core/lab.js";
import { jwtClaims, ARM_RESOURCE, type Session } from "../core/session.js";
import { isJsonObject, type Json, type JsonObject } from "../core/types.js";
import { KEYVAULT_API, LOCATION_ARG, RG_ARG, SUBSCRIPTION_ARG, TAGS_ARG, enc, normaliseLocation, valueList } from "./arm.js";

export const groups: GroupDef[] = [
  { name: "keyvault", summary: "Manage KeyVault keys, secrets, and certificates." },
  { name: "keyvault secret", summary: "Manage secrets." },
];

const KV_NAME: ArgDef = { dest: "name", options: ["--name", "-n"], required: true, help: "Name of the Vault.", idPart: "name" };
const KV_RG: ArgDef = { ...RG_ARG, required: false, help: "Proceed only if Key Vault belongs to the specified resource group." };

async function findVault(s: Session, a: Args): Promise<JsonObject> {
  const sub = s.subscription(str(a, "subscription")).id;
  const name = str(a, "name")!;
  const rg = str(a, "resource_group");
  if (rg) {
    const v = await s.arm({ method: "GET", path: `/subscriptions/${sub}/resourceGroups/${enc(rg)}/providers/Microsoft.KeyVault/vaults/${enc(name)}`, apiVersion: KEYVAULT_API });
    return isJsonObject(v) ? v : {};
  }
  const all = valueList(await s.arm({ method: "GET", path: `/subscriptions/${sub}/providers/Microsoft.KeyVault/vaults`, apiVersion: KEYVAULT_API }));
  const v = all.find((x) => isJsonObject(x) && typeof x.name === "string" && x.name.toLowerCase() === name.toLowerCase());
  if (!isJsonObject(v)) throw new ServiceError(404, "ResourceNotFound", `The Resource 'Microsoft.KeyVault/vaults/${name}' was not found within subscription '${sub}'.`);
  return v;
}

function rgOfId(id: Json | undefined): string {
  return typeof id === "string" ? (id.split("/")[4] ?? "") : "";
}

async function findDeleted(s: Session, a: Args): Promise<JsonObject> {
  const sub = s.subscription(str(a, "subscription")).id;
  const name = str(a, "name")!;
  const all = valueList(await s.arm({ method: "GET", path: `/subscriptions/${sub}/providers/Microsoft.KeyVault/deletedVaults`, apiVersion: KEYVAULT_API }));
  const loc = str(a, "location");
  const d = all.find(
    (x) => isJsonObject(x) && typeof x.name === "string" && x.name.toLowerCase() === name.toLowerCase() && (!loc || (isJsonObject(x.properties) && x.properties.location === normaliseLocation(loc))),
  );
  if (!isJsonObject(d)) {
    throw new ServiceError(404, "ResourceNotFound", `The Resource 'Microsoft.KeyVault/deletedVaults/${name}' was not found within subscription '${sub}'.`);
  }
  return d;
}

// ---- secrets (data plane)

function unixToIso(v: Json | undefined): Json {
  if (typeof v !== "number") return null;
  return new Date(v * 1000).toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

function attributesView(at: Json | undefined): JsonObject {
  const x = isJsonObject(at) ? at : {};
  return {
    created: unixToIso(x.created),
    enabled: typeof x.enabled === "boolean" ? x.enabled : null,
    expires: unixToIso(x.exp),
    notBefore: unixToIso(x.nbf),
    recoverableDays: typeof x.recoverableDays === "number" ? x.recoverableDays : null,
    recoveryLevel: typeof x.recoveryLevel === "string" ? x.recoveryLevel : null,
    updated: unixToIso(x.updated),
  };
}

function secretNameOf(id: Json | undefined): Json {
  if (typeof id !== "string") return null;
  const parts = new URL(id).pathname.split("/").filter(Boolean);
  return parts[1] ?? null;
}

/** az's view of a secret bundle (`secret show`/`set`). */
function secretView(b: Json | undefined): Json {
  if (!isJsonObject(b)) return null;
  return {
    attributes: attributesView(b.attributes),
    contentType: b.contentType ?? null,
    id: b.id ?? null,
    kid: b.kid ?? null,
    managed: b.managed ?? null,
    name: secretNameOf(b.id),
    tags: b.tags ?? null,
    value: b.value ?? null,
  };
}

/** az's view of a secret item (`secret list`, `list-versions`, `recover`). */
function secretPropertiesView(b: Json | undefined): Json {
  if (!isJsonObject(b)) return null;
  return { attributes: attributesView(b.attributes), contentType: b.contentType ?? null, id: b.id ?? null, managed: b.managed ?? null, name: secretNameOf(b.id), tags: b.tags ?? null };
}

function deletedSecretView(b: Json | undefined): Json {
  if (!isJsonObject(b)) return null;
  return {
    attributes: attributesView(b.attributes),
    contentType: b.contentType ?? null,
    deletedDate: unixToIso(b.deletedDate),
    id: b.id ?? null,
    kid: b.kid ?? null,
    managed: b.managed ?? null,
    name: secretNameOf(b.id),
    recoveryId: b.recoveryId ?? null,
    scheduledPurgeDate: unixToIso(b.scheduledPurgeDate),
    tags: b.tags ?? null,
  };
}

interface SecretTarget {
  vaultUrl: string;
  name: string;
  version?: string;
}

/** `--vault-name/--name[/--version]` or `--id https://{vault}/secrets/{name}[/{version}]`. */
function secretTarget(s: Session, a: Args, idKind: "secrets" | "deletedsecrets" = "secrets"): SecretTarget {
  const id = str(a, "id");
  if (id) {
    let u: URL;
    try {
      u = new URL(id);
    } catch {
      throw new UsageError(`argument --id: invalid value: '${id}'`);
    }
    const parts = u.pathname.split("/").filter(Boolean);
    if (parts.length < 2 || parts[0]!.toLowerCase() !== idKind) throw new CliError(`Invalid ${idKind === "secrets" ? "secret" : "deleted secret"} id: '${id}'`);
    return { vaultUrl: `${u.origin}/`, name: parts[1]!, version: parts[2] };
  }
  const vault = str(a, "vault_name");
  const name = str(a, "name");
  const missing = [!vault ? "--vault-name" : "", !name ? "--name/-n" : ""].filter(Boolean);
  if (missing.length) throw new UsageError(`the following arguments are required: ${missing.join(", ")}`);
  return { vaultUrl: vaultUrlFor(s.lab, vault!), name: name!, version: str(a, "version") };
}

const VAULT_NAME: ArgDef = { dest: "vault_name", options: ["--vault-name"], help: "Name of the Key Vault. Required if --id is not specified.", group: "Id" };
const SECRET_NAME: ArgDef = { dest: "name", options: ["--name", "-n"], help: "Name of the secret. Required if --id is not specified.", group: "Id" };
const SECRET_ID: ArgDef = { dest: "id", options: ["--id"], help: "Id of the secret. If specified all other 'Id' Arguments should be omitted.", group: "Id" };

function isoToUnix(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`argument ${flag}: invalid datetime_type value: '${v}'`);
  return Math.floor(t / 1000);
}

export const commands: CommandDef[] = [
  {
    name: "keyvault create",
    summary: "Create a Vault.",
    args: [
      { ...KV_NAME, idPart: undefined },
      { ...RG_ARG, idPart: undefined },
      LOCATION_ARG,
      { dest: "enable_purge_protection", options: ["--enable-purge-protection"], kind: "bool", help: "Property specifying whether protection against purge is enabled for this vault/managed HSM pool. Setting this property to true activates protection against purge for this vault/managed HSM pool and its content - only the Key Vault/Managed HSM service may initiate a hard, irrecoverable deletion. The setting is effective only if soft delete is also enabled. Enabling this functionality is irreversible." },
      { dest: "enable_rbac_authorization", options: ["--enable-rbac-authorization"], kind: "bool", default: true, help: "Property that controls how data actions are authorized. When true, the key vault will use Role Based Access Control (RBAC) for authorization of data actions, and the access policies specified in vault properties will be ignored." },
      { dest: "retention_days", options: ["--retention-days"], default: "90", help: "Soft delete data retention days. It accepts >=7 and <=90." },
      { dest: "sku", options: ["--sku"], choices: ["standard", "premium"], default: "standard", help: "Required. SKU details." },
      { dest: "public_network_access", options: ["--public-network-access"], choices: ["Disabled", "Enabled"], help: "Property to specify whether the vault will accept traffic from public internet." },
      TAGS_ARG,
      SUBSCRIPTION_ARG,
    ],
    examples: [
      { summary: "Create a key vault with network ACLs specified (use --network-acls to specify IP and VNet rules by using a JSON string).", command: "az keyvault create --location westus2 --name MyKeyVault --resource-group MyResourceGroup" },
      { summary: "Create a key vault with purge protection and RBAC authorization.", command: "az keyvault create --name MyKeyVault --resource-group MyResourceGroup --location westeurope --enable-purge-protection --enable-rbac-authorization" },
    ],
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      const rg = str(a, "resource_group")!;
      let location = str(a, "location");
      if (!location) {
        const g = await s.arm({ method: "GET", path: `/subscriptions/${sub}/resourcegroups/${enc(rg)}`, apiVersion: "2021-04-01" });
        location = isJsonObject(g) && typeof g.location === "string" ? g.location : "westeurope";
      }
      const rbac = bool(a, "enable_rbac_authorization") !== false;
      const tenantId = s.requireProfile().tenantId;
      const properties: JsonObject = {
        tenantId,
        sku: { family: "A", name: str(a, "sku") ?? "standard" },
        accessPolicies: [],
        enableRbacAuthorization: rbac,
        enableSoftDelete: true,
        softDeleteRetentionInDays: Number(str(a, "retention_days") ?? "90"),
      };
      if (bool(a, "enable_purge_protection") === true) properties.enablePurgeProtection = true;
      if (str(a, "public_network_access")) properties.publicNetworkAccess = str(a, "public_network_access")!;
      if (!rbac) {
        // As az does without RBAC: an access policy giving the signed-in principal full control.
        const oid = jwtClaims((await s.token(ARM_RESOURCE)).accessToken).oid;
        properties.accessPolicies = [
          {
            tenantId,
            objectId: typeof oid === "string" ? oid : "",
            permissions: {
              keys: ["all"],
              secrets: ["all"],
              certificates: ["all"],
              storage: ["all"],
            },
          },
        ];
      }
      const body: JsonObject = { location: normaliseLocation(location), properties };
      const tags = tagsArg(a);
      if (tags) body.tags = tags;
      const v = await s.arm({ method: "PUT", path: `/subscriptions/${sub}/resourceGroups/${enc(rg)}/providers/Microsoft.KeyVault/vaults/${enc(str(a, "name")!)}`, apiVersion: KEYVAULT_API, body });
      return v ?? null;
    },
  },
  {
    name: "keyvault show",
    summary: "Show details of a Vault.",
    ids: true,
    args: [KV_NAME, { ...KV_RG, idPart: "resource_group" }, SUBSCRIPTION_ARG],
    examples: [{ summary: "Show details of a key vault.", command: "az keyvault show --name MyKeyVault" }],
    async run(ctx, a) {
      return findVault(ctx.session(), a);
    },
  },
  {
    name: "keyvault list",
    summary: "List Vaults within a subscription or resource group.",
    args: [{ ...KV_RG, idPart: undefined, help: "Name of resource group. If not specified, the vaults of the whole subscription are listed." }, SUBSCRIPTION_ARG],
    tableTransform: (v) => (Array.isArray(v) ? v : [v]).filter(isJsonObject).map((r) => ({ Location: r.location ?? null, Name: r.name ?? null, ResourceGroup: r.resourceGroup ?? null })),
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      const rg = str(a, "resource_group");
      const path = rg ? `/subscriptions/${sub}/resourceGroups/${enc(rg)}/providers/Microsoft.KeyVault/vaults` : `/subscriptions/${sub}/providers/Microsoft.KeyVault/vaults`;
      return valueList(await s.arm({ method: "GET", path, apiVersion: KEYVAULT_API }));
    },
  },
  {
    name: "keyvault list-deleted",
    summary: "Get information about the deleted Vaults in a subscription.",
    args: [SUBSCRIPTION_ARG],
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      return valueList(await s.arm({ method: "GET", path: `/subscriptions/${sub}/providers/Microsoft.KeyVault/deletedVaults`, apiVersion: KEYVAULT_API }));
    },
  },
  {
    name: "keyvault delete",
    summary: "Delete a Vault.",
    ids: true,
    args: [KV_NAME, { ...KV_RG, idPart: "resource_group" }, SUBSCRIPTION_ARG],
    examples: [{ summary: "Delete a key vault.", command: "az keyvault delete --name MyKeyVault --resource-group MyResourceGroup" }],
    async run(ctx, a) {
      const s = ctx.session();
      const v = await findVault(s, a);
      const sub = s.subscription(str(a, "subscription")).id;
      await s.arm({ method: "DELETE", path: `/subscriptions/${sub}/resourceGroups/${enc(rgOfId(v.id))}/providers/Microsoft.KeyVault/vaults/${enc(String(v.name ?? str(a, "name")))}`, apiVersion: KEYVAULT_API });
      return undefined;
    },
  },
  {
    name: "keyvault purge",
    summary: "Permanently delete the specified Vault.",
    args: [{ ...KV_NAME, help: "Name of the deleted Vault." }, { ...LOCATION_ARG, help: "Location of the deleted Vault." }, { dest: "no_wait", options: ["--no-wait"], kind: "flag", help: "Do not wait for the long-running operation to finish." }, SUBSCRIPTION_ARG],
    examples: [{ summary: "Purge a deleted key vault.", command: "az keyvault purge --name MyKeyVault" }],
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      const d = await findDeleted(s, a);
      const loc = isJsonObject(d.properties) && typeof d.properties.location === "string" ? d.properties.location : normaliseLocation(str(a, "location") ?? "");
      await s.arm({ method: "POST", path: `/subscriptions/${sub}/providers/Microsoft.KeyVault/locations/${enc(loc)}/deletedVaults/${enc(String(d.name))}/purge`, apiVersion: KEYVAULT_API });
      return undefined;
    },
  },
  {
    name: "keyvault recover",
    summary: "Recover a Vault.",
    args: [{ ...KV_NAME, help: "Name of the deleted Vault." }, { ...KV_RG, help: "Resource group of the deleted Vault." }, { ...LOCATION_ARG, help: "Location of the deleted Vault." }, SUBSCRIPTION_ARG],
    examples: [{ summary: "Recover a deleted key vault.", command: "az keyvault recover --location westus --name MyKeyVault" }],
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      const d = await findDeleted(s, a);
      const p = isJsonObject(d.properties) ? d.properties : {};
      const rg = str(a, "resource_group") ?? rgOfId(p.vaultId);
      const body: JsonObject = {
        location: typeof p.location === "string" ? p.location : normaliseLocation(str(a, "location") ?? ""),
        properties: { tenantId: s.requireProfile().tenantId, sku: { family: "A", name: "standard" }, createMode: "recover" },
      };
      const v = await s.arm({ method: "PUT", path: `/subscriptions/${sub}/resourceGroups/${enc(rg)}/providers/Microsoft.KeyVault/vaults/${enc(String(d.name))}`, apiVersion: KEYVAULT_API, body });
      return v ?? null;
    },
  },
  {
    name: "keyvault secret set",
    summary: "Create a secret (if one doesn't exist) or update a secret in a KeyVault.",
    args: [
      { ...SECRET_NAME, required: true, group: undefined, help: "Name of the secret." },
      { ...VAULT_NAME, required: true, group: undefined, help: "Name of the Key Vault." },
      { dest: "value", options: ["--value"], help: "Plain text secret value. Cannot be used with '--file' or '--encoding'" },
      { dest: "content_type", options: ["--content-type", "--description"], help: "Description of the secret contents (e.g. password, connection string, etc)." },
      { dest: "disabled", options: ["--disabled"], kind: "bool", help: "Create secret in disabled state." },
      { dest: "expires", options: ["--expires"], help: "Expiration UTC datetime  (Y-m-d'T'H:M:S'Z')." },
      { dest: "not_before", options: ["--not-before"], help: "Key not usable before the provided UTC datetime  (Y-m-d'T'H:M:S'Z')." },
      TAGS_ARG,
    ],
    examples: [{ summary: "Create a secret (if one doesn't exist) or update a secret in a KeyVault.", command: "az keyvault secret set --name MySecretName --vault-name MyKeyVault --value MyVault" }],
    async run(ctx, a) {
      const s = ctx.session();
      const value = str(a, "value");
      if (value === undefined) throw new UsageError("usage error: --value VALUE | --file PATH");
      const t = secretTarget(s, a);
      const body: JsonObject = { value };
      if (str(a, "content_type")) body.contentType = str(a, "content_type")!;
      const tags = tagsArg(a);
      if (tags) body.tags = tags;
      const attributes: JsonObject = {};
      if (bool(a, "disabled") !== undefined) attributes.enabled = !bool(a, "disabled");
      const exp = isoToUnix(str(a, "expires"), "--expires");
      const nbf = isoToUnix(str(a, "not_before"), "--not-before");
      if (exp !== undefined) attributes.exp = exp;
      if (nbf !== undefined) attributes.nbf = nbf;
      if (Object.keys(attributes).length) body.attributes = attributes;
      return secretView(await s.keyVault("PUT", t.vaultUrl, `/secrets/${enc(t.name)}`, body));
    },
  },
  {
    name: "keyvault secret show",
    summary: "Get a specified secret from a given key vault.",
    args: [SECRET_NAME, VAULT_NAME, SECRET_ID, { dest: "version", options: ["--version", "-v"], help: "The secret version. If omitted, uses the latest version.", group: "Id" }],
    examples: [{ summary: "Get a secret's value.", command: "az keyvault secret show --name MySecretName --vault-name MyKeyVault --query value -o tsv" }],
    async run(ctx, a) {
      const s = ctx.session();
      const t = secretTarget(s, a);
      return secretView(await s.keyVault("GET", t.vaultUrl, `/secrets/${enc(t.name)}/${t.version ? enc(t.version) : ""}`));
    },
  },
  {
    name: "keyvault secret list",
    summary: "List secrets in a specified key vault.",
    args: [
      { ...VAULT_NAME, group: undefined },
      { dest: "id", options: ["--id"], help: "Full URI of the Vault. If specified all other 'Id' arguments should be omitted." },
      { dest: "maxresults", options: ["--maxresults"], help: "Maximum number of results to return in a page. If not specified, the service will return up to 25 results." },
    ],
    async run(ctx, a) {
      const s = ctx.session();
      const id = str(a, "id");
      const vault = str(a, "vault_name");
      if (!id && !vault) throw new UsageError("the following arguments are required: --vault-name");
      const url = id ? `${new URL(id).origin}/` : vaultUrlFor(s.lab, vault!);
      const max = str(a, "maxresults");
      const out: Json[] = [];
      let path = `/secrets${max ? `?maxresults=${enc(max)}` : ""}`;
      for (let page = 0; page < 1000; page++) {
        const r = await s.keyVault("GET", url, path);
        out.push(...valueList(r).map(secretPropertiesView));
        const next = isJsonObject(r) && typeof r.nextLink === "string" ? r.nextLink : undefined;
        if (!next || max) break;
        const n = new URL(next);
        n.searchParams.delete("api-version");
        path = `${n.pathname}?${n.searchParams.toString()}`;
      }
      return out;
    },
  },
  {
    name: "keyvault secret list-versions",
    summary: "List all versions of the specified secret.",
    args: [SECRET_NAME, VAULT_NAME, SECRET_ID, { dest: "maxresults", options: ["--maxresults"], help: "Maximum number of results to return in a page." }],
    async run(ctx, a) {
      const s = ctx.session();
      const t = secretTarget(s, a);
      return valueList(await s.keyVault("GET", t.vaultUrl, `/secrets/${enc(t.name)}/versions`)).map(secretPropertiesView);
    },
  },
  {
    name: "keyvault secret delete",
    summary: "Delete all versions of a secret.",
    args: [SECRET_NAME, VAULT_NAME, SECRET_ID],
    examples: [{ summary: "Delete a secret.", command: "az keyvault secret delete --name MySecretName --vault-name MyKeyVault" }],
    async run(ctx, a) {
      const s = ctx.session();
      const t = secretTarget(s, a);
      return deletedSecretView(await s.keyVault("DELETE", t.vaultUrl, `/secrets/${enc(t.name)}`));
    },
  },
  {
    name: "keyvault secret recover",
    summary: "Recover a deleted secret to its latest version.",
    args: [SECRET_NAME, VAULT_NAME, { ...SECRET_ID, help: "The recovery id of the secret. If specified all other 'Id' arguments should be omitted." }],
    async run(ctx, a) {
      const s = ctx.session();
      const t = secretTarget(s, a, str(a, "id") ? "deletedsecrets" : "secrets");
      return secretPropertiesView(await s.keyVault("POST", t.vaultUrl, `/deletedsecrets/${enc(t.name)}/recover`));
    },
  },
  {
    name: "keyvault secret purge",
    summary: "Permanently delete the specified secret.",
    args: [SECRET_NAME, VAULT_NAME, { ...SECRET_ID, help: "The recovery id of the secret. If specified all other 'Id' arguments should be omitted." }],
    async run(ctx, a) {
      const s = ctx.session();
      const t = secretTarget(s, a, str(a, "id") ? "deletedsecrets" : "secrets");
      await s.keyVault("DELETE", t.vaultUrl, `/deletedsecrets/${enc(t.name)}`);
      return undefined;
    },
  },
];
