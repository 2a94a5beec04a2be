import type { ArmCaller, ArmRequest, ArmRoute } from "../ArmRoute.js";
import type { LabContext } from "../../platform/index.js";
import type { Tx } from "../../store/index.js";
import type { ResourceGroupCascade } from "../resources/ResourceGroup.js";
import { ArmErrors } from "../ArmError.js";
import { isObject, normaliseLocation, resourceId } from "../ArmRoute.js";
import { KEYVAULT_API_VERSIONS } from "../apiVersions.js";
import { Secrets, Vaults, type AccessPolicyEntry, type DeletedVaultRecord, type VaultRecord } from "../../keyvault/index.js";
import { KvArmErrors, vaultNameValid } from "./rules.js";
import { applyVaultProperties, parseAccessPolicies } from "./vaultInput.js";
import { accessPoliciesOf, deletedVaultBody, vaultBody, VAULT_TYPE } from "./vaultBody.js";

const DAY_MS = 86_400_000;
const RG_BASE = "subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults";
const SUB_BASE = "subscriptions/{subscriptionId}/providers/Microsoft.KeyVault";

export { vaultBody, deletedVaultBody } from "./vaultBody.js";

function callerName(c: ArmCaller): { by: string; type: string } {
  return c.claims.idtyp === "user" ? { by: c.claims.upn ?? c.oid, type: "User" } : { by: c.appid, type: "Application" };
}

/** Microsoft.KeyVault/vaults, deletedVaults, recover (createMode "recover"), purge and checkNameAvailability (reference §4.1). */
export function keyVaultRoutes(ctx: LabContext): { routes: ArmRoute[]; cascade: ResourceGroupCascade } {
  const sub = () => ctx.config.subscriptionId;
  const now = () => ctx.clock.now();
  const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

  /** The soft-deleted vault of that name, unless its retention has run out (then it is purged, in a write transaction). */
  async function liveDeleted(tx: Tx, name: string, write: boolean): Promise<DeletedVaultRecord | undefined> {
    const d = await Vaults.getDeleted(tx, name);
    if (!d) return undefined;
    if (d.scheduledPurgeDate > now()) return d;
    if (write) await purgeVault(tx, d.vault.name);
    return undefined;
  }

  async function purgeVault(tx: Tx, name: string): Promise<void> {
    await Secrets.purgeVault(tx, name);
    await Vaults.deleteDeleted(tx, name);
  }

  async function softDelete(tx: Tx, v: VaultRecord): Promise<void> {
    const t = now();
    await Vaults.delete(tx, v.name);
    await Vaults.putDeleted(tx, { vault: v, deletionDate: t, scheduledPurgeDate: t + v.softDeleteRetentionInDays * DAY_MS });
  }

  async function inThisGroup(tx: Tx, req: ArmRequest): Promise<VaultRecord | undefined> {
    const v = await Vaults.get(tx, req.params.vaultName!);
    const id = resourceId(sub(), req.params.resourceGroupName!, "Microsoft.KeyVault", "vaults", req.params.vaultName!);
    return v && sameId(v.id, id) ? v : undefined;
  }

  async function mustGet(tx: Tx, req: ArmRequest): Promise<VaultRecord> {
    const v = await inThisGroup(tx, req);
    if (!v) throw ArmErrors.resourceNotFound(VAULT_TYPE, req.params.vaultName!, req.params.resourceGroupName!);
    return v;
  }

  function publishHost(v: VaultRecord): void {
    try {
      ctx.etcHosts?.add([ctx.hosts.vaultHostname(v.name)]);
    } catch (err) {
      ctx.log.warn(`keyvault: could not add ${ctx.hosts.vaultHostname(v.name)} to /etc/hosts: ${(err as Error).message}`);
    }
  }

  async function put(req: ArmRequest, tx: Tx) {
    const name = req.params.vaultName!;
    const rgName = req.params.resourceGroupName!;
    if (!vaultNameValid(name)) throw KvArmErrors.vaultNameNotValid(name);
    const body = req.body;
    if (!isObject(body)) throw ArmErrors.invalidRequestContent("The request content was empty or not a JSON object");
    if (typeof body.location !== "string" || !body.location.trim()) throw ArmErrors.locationRequired();
    const props = body.properties;
    if (!isObject(props)) throw KvArmErrors.missingProperty("properties");
    const tags = isObject(body.tags) ? (body.tags as Record<string, string>) : undefined;
    const id = resourceId(sub(), rgName, "Microsoft.KeyVault", "vaults", name);
    const who = callerName(req.caller);
    const t = now();

    const existing = await Vaults.get(tx, name);
    if (existing && !sameId(existing.id, id)) throw KvArmErrors.vaultAlreadyExists(name);
    const deleted = existing ? undefined : await liveDeleted(tx, name, true);

    const mode = typeof props.createMode === "string" ? props.createMode.toLowerCase() : "default";
    if (mode !== "default" && mode !== "recover") throw KvArmErrors.invalidProperty("createMode", props.createMode);
    if (mode === "recover" && !existing) {
      if (!deleted) throw KvArmErrors.deletedVaultNotFound(name);
      if (!sameId(deleted.vault.id, id)) throw KvArmErrors.recoverElsewhere(name, deleted.vault.id);
      const v: VaultRecord = { ...deleted.vault, ...(tags ? { tags } : {}), updatedAt: t, updatedBy: who.by, updatedByType: who.type };
      await Vaults.deleteDeleted(tx, name);
      await Vaults.put(tx, v);
      publishHost(v);
      return { status: 200, body: vaultBody(v, ctx.hosts) };
    }
    if (deleted) throw KvArmErrors.deletedVaultExists().withHint(`vault '${deleted.vault.name}' was deleted on ${new Date(deleted.deletionDate).toISOString()}; recover it (createMode "recover") or purge it`);

    const location = normaliseLocation(body.location);
    const base: VaultRecord = {
      name: existing?.name ?? name,
      id: existing?.id ?? id,
      resourceGroup: existing?.resourceGroup ?? rgName,
      location: existing?.location ?? location,
      ...(tags ? { tags } : {}),
      tenantId: existing?.tenantId ?? "",
      sku: existing?.sku ?? { family: "A", name: "standard" },
      accessPolicies: [],
      enableRbacAuthorization: false,
      enableSoftDelete: true,
      softDeleteRetentionInDays: existing?.softDeleteRetentionInDays ?? 90,
      ...(existing?.enablePurgeProtection ? { enablePurgeProtection: true } : {}),
      publicNetworkAccess: "Enabled",
      createdAt: existing?.createdAt ?? t,
      updatedAt: t,
      createdBy: existing?.createdBy ?? who.by,
      createdByType: existing?.createdByType ?? who.type,
      updatedBy: who.by,
      updatedByType: who.type,
    };
    applyVaultProperties(base, props, { create: !existing, full: true, previous: existing });
    await Vaults.put(tx, base);
    publishHost(base);
    return { status: existing ? 200 : 201, body: vaultBody(base, ctx.hosts) };
  }

  function mergePolicies(current: AccessPolicyEntry[], change: AccessPolicyEntry[], kind: string): AccessPolicyEntry[] {
    const out = current.map((p) => ({ ...p, permissions: { ...p.permissions } }));
    for (const c of change) {
      const i = out.findIndex((p) => p.objectId.toLowerCase() === c.objectId.toLowerCase() && p.tenantId.toLowerCase() === c.tenantId.toLowerCase() && (p.applicationId ?? "") === (c.applicationId ?? ""));
      if (kind === "replace") {
        if (i >= 0) out[i] = c;
        else out.push(c);
        continue;
      }
      if (i < 0) {
        if (kind === "add") out.push(c);
        continue;
      }
      const p = out[i]!;
      for (const k of ["keys", "secrets", "certificates", "storage"] as const) {
        const add = c.permissions[k];
        if (!add) continue;
        const have = new Set(p.permissions[k] ?? []);
        for (const x of add) {
          if (kind === "add") have.add(x);
          else have.delete(x);
        }
        p.permissions[k] = [...have];
      }
      if (kind === "remove" && (["keys", "secrets", "certificates", "storage"] as const).every((k) => !p.permissions[k]?.length)) out.splice(i, 1);
    }
    return out;
  }

  const routes: ArmRoute[] = [
    {
      pattern: `${RG_BASE}/{vaultName}/accessPolicies/{operationKind}`,
      type: "Microsoft.KeyVault/vaults/accessPolicies",
      apiVersions: KEYVAULT_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        PUT: {
          action: "Microsoft.KeyVault/vaults/accessPolicies/write",
          write: true,
          handler: async (req, tx) => {
            const v = await mustGet(tx, req);
            const kind = req.params.operationKind!.toLowerCase();
            if (kind !== "add" && kind !== "replace" && kind !== "remove") throw KvArmErrors.invalidAccessPolicyOperation(req.params.operationKind!);
            const props = isObject(req.body) && isObject(req.body.properties) ? req.body.properties : undefined;
            if (!props) throw KvArmErrors.missingProperty("properties");
            const change = parseAccessPolicies(props.accessPolicies);
            v.accessPolicies = mergePolicies(accessPoliciesOf(v), change, kind);
            v.updatedAt = now();
            await Vaults.put(tx, v);
            return {
              status: 200,
              body: { id: `${v.id}/accessPolicies/${kind}`, type: "Microsoft.KeyVault/vaults/accessPolicies", properties: { accessPolicies: change } },
            };
          },
        },
      },
    },
    {
      pattern: `${RG_BASE}/{vaultName}`,
      type: VAULT_TYPE,
      apiVersions: KEYVAULT_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        GET: { action: "Microsoft.KeyVault/vaults/read", write: false, handler: async (req, tx) => ({ status: 200, body: vaultBody(await mustGet(tx, req), ctx.hosts) }) },
        PUT: { action: "Microsoft.KeyVault/vaults/write", write: true, handler: put },
        PATCH: {
          action: "Microsoft.KeyVault/vaults/write",
          write: true,
          handler: async (req, tx) => {
            const v = await mustGet(tx, req);
            if (req.body !== undefined && !isObject(req.body)) throw ArmErrors.invalidRequestContent("The request content was not a JSON object");
            const body = isObject(req.body) ? req.body : {};
            if (isObject(body.tags)) v.tags = body.tags as Record<string, string>;
            if (body.properties !== undefined && !isObject(body.properties)) throw KvArmErrors.invalidProperty("properties", body.properties);
            applyVaultProperties(v, isObject(body.properties) ? body.properties : {}, { create: false, full: false, previous: { ...v } });
            const who = callerName(req.caller);
            v.updatedAt = now();
            v.updatedBy = who.by;
            v.updatedByType = who.type;
            await Vaults.put(tx, v);
            return { status: 200, body: vaultBody(v, ctx.hosts) };
          },
        },
        DELETE: {
          action: "Microsoft.KeyVault/vaults/delete",
          write: true,
          handler: async (req, tx) => {
            const v = await inThisGroup(tx, req);
            if (!v) return { status: 204 };
            await softDelete(tx, v);
            return { status: 200 };
          },
        },
      },
    },
    {
      pattern: RG_BASE,
      type: VAULT_TYPE,
      apiVersions: KEYVAULT_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        GET: {
          action: "Microsoft.KeyVault/vaults/read",
          write: false,
          handler: async (req, tx) => {
            const all = await Vaults.inResourceGroup(tx, sub(), req.params.resourceGroupName!);
            return { status: 200, body: { value: top(req, all).map((v) => vaultBody(v, ctx.hosts)) } };
          },
        },
      },
    },
    {
      pattern: `${SUB_BASE}/vaults`,
      type: VAULT_TYPE,
      apiVersions: KEYVAULT_API_VERSIONS,
      operations: {
        GET: {
          action: "Microsoft.KeyVault/vaults/read",
          write: false,
          handler: async (req, tx) => {
            const all = (await Vaults.all(tx)).filter((v) => v.id.split("/")[2]!.toLowerCase() === sub().toLowerCase());
            return { status: 200, body: { value: top(req, all).map((v) => vaultBody(v, ctx.hosts)) } };
          },
        },
      },
    },
    {
      pattern: `${SUB_BASE}/deletedVaults`,
      type: "Microsoft.KeyVault/deletedVaults",
      apiVersions: KEYVAULT_API_VERSIONS,
      operations: {
        GET: {
          action: "Microsoft.KeyVault/deletedVaults/read",
          write: false,
          handler: async (_req, tx) => {
            const all = (await Vaults.allDeleted(tx)).filter((d) => d.scheduledPurgeDate > now());
            return { status: 200, body: { value: all.map(deletedVaultBody) } };
          },
        },
      },
    },
    {
      pattern: `${SUB_BASE}/locations/{location}/deletedVaults/{vaultName}/purge`,
      type: "Microsoft.KeyVault/locations/deletedVaults",
      apiVersions: KEYVAULT_API_VERSIONS,
      operations: {
        POST: {
          action: "Microsoft.KeyVault/locations/deletedVaults/purge/action",
          write: true,
          handler: async (req, tx) => {
            const d = await liveDeleted(tx, req.params.vaultName!, true);
            if (!d || d.vault.location !== normaliseLocation(req.params.location!)) throw KvArmErrors.deletedVaultNotFound(req.params.vaultName!);
            if (d.vault.enablePurgeProtection) {
              throw KvArmErrors.purgeNotAllowed().withHint(`purge protection is on for '${d.vault.name}': it is purged automatically on ${new Date(d.scheduledPurgeDate).toISOString()} (advance the lab clock to get there)`);
            }
            await purgeVault(tx, d.vault.name);
            return { status: 200 };
          },
        },
      },
    },
    {
      pattern: `${SUB_BASE}/locations/{location}/deletedVaults/{vaultName}`,
      type: "Microsoft.KeyVault/locations/deletedVaults",
      apiVersions: KEYVAULT_API_VERSIONS,
      operations: {
        GET: {
          action: "Microsoft.KeyVault/locations/deletedVaults/read",
          write: false,
          handler: async (req, tx) => {
            const d = await liveDeleted(tx, req.params.vaultName!, false);
            if (!d || d.vault.location !== normaliseLocation(req.params.location!)) throw KvArmErrors.deletedVaultNotFound(req.params.vaultName!);
            return { status: 200, body: deletedVaultBody(d) };
          },
        },
      },
    },
    {
      pattern: `${SUB_BASE}/checkNameAvailability`,
      type: "Microsoft.KeyVault/checkNameAvailability",
      apiVersions: KEYVAULT_API_VERSIONS,
      operations: {
        POST: {
          action: "Microsoft.KeyVault/checkNameAvailability/read",
          write: false,
          handler: async (req, tx) => {
            const body = isObject(req.body) ? req.body : undefined;
            if (!body || typeof body.name !== "string") throw KvArmErrors.missingProperty("name");
            if (body.type !== undefined && (typeof body.type !== "string" || body.type.toLowerCase() !== VAULT_TYPE.toLowerCase())) throw KvArmErrors.invalidProperty("type", body.type);
            const name = body.name;
            if (!vaultNameValid(name)) return { status: 200, body: { nameAvailable: false, reason: "AccountNameInvalid", message: KvArmErrors.vaultNameNotValid(name).message } };
            if ((await Vaults.get(tx, name)) || (await liveDeleted(tx, name, false))) {
              return { status: 200, body: { nameAvailable: false, reason: "AlreadyExists", message: KvArmErrors.vaultAlreadyExists(name).message } };
            }
            return { status: 200, body: { nameAvailable: true } };
          },
        },
      },
    },
  ];

  const cascade: ResourceGroupCascade = async (tx, s, rg) => {
    for (const v of await Vaults.inResourceGroup(tx, s, rg)) await softDelete(tx, v);
  };
  return { routes, cascade };
}

function top<T>(req: ArmRequest, items: T[]): T[] {
  const n = Number(req.query.$top);
  return Number.isInteger(n) && n > 0 ? items.slice(0, n) : items;
}
