import { GUID_RE } from "../../platform/index.js";
import { isObject } from "../ArmRoute.js";
import type { AccessPolicyEntry, VaultRecord } from "../../keyvault/index.js";
import { ArmErrors } from "../ArmError.js";
import { RETENTION_DEFAULT_DAYS, RETENTION_MAX_DAYS, RETENTION_MIN_DAYS } from "./rules.js";

const BOOL_PROPS = ["enabledForDeployment", "enabledForDiskEncryption", "enabledForTemplateDeployment", "enableRbacAuthorization", "enableSoftDelete", "enablePurgeProtection"] as const;

function strings(v: unknown, name: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw ArmErrors.invalidProperty(name, v);
  return (v as string[]).map((x) => x.toLowerCase());
}

/** Validates `properties.accessPolicies` and normalises permission names to lower case. */
export function parseAccessPolicies(v: unknown): AccessPolicyEntry[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw ArmErrors.invalidProperty("accessPolicies", v);
  return v.map((e, i) => {
    if (!isObject(e)) throw ArmErrors.invalidProperty(`accessPolicies[${i}]`, e);
    if (typeof e.tenantId !== "string" || !GUID_RE.test(e.tenantId)) throw ArmErrors.invalidProperty(`accessPolicies[${i}].tenantId`, e.tenantId);
    if (typeof e.objectId !== "string" || !e.objectId) throw ArmErrors.invalidProperty(`accessPolicies[${i}].objectId`, e.objectId);
    const p = isObject(e.permissions) ? e.permissions : undefined;
    if (!p) throw ArmErrors.missingProperty(`accessPolicies[${i}].permissions`);
    const out: AccessPolicyEntry = { tenantId: e.tenantId, objectId: e.objectId, permissions: {} };
    if (typeof e.applicationId === "string" && e.applicationId) out.applicationId = e.applicationId;
    for (const k of ["keys", "secrets", "certificates", "storage"] as const) {
      if (p[k] !== undefined) out.permissions[k] = strings(p[k], `accessPolicies[${i}].permissions.${k}`);
    }
    return out;
  });
}

/**
 * Applies PUT (`full`) or PATCH properties onto a vault record (a fresh one on create), enforcing the
 * rules ARM enforces: required tenantId and sku, retention range, irreversible soft delete and purge protection.
 */
export function applyVaultProperties(target: VaultRecord, props: Record<string, unknown>, o: { create: boolean; full: boolean; previous?: VaultRecord }): void {
  if (o.full) {
    if (props.tenantId === undefined || props.tenantId === null) throw ArmErrors.missingProperty("tenantId");
    if (props.sku === undefined || props.sku === null) throw ArmErrors.missingProperty("sku");
  }
  if (props.tenantId !== undefined) {
    if (typeof props.tenantId !== "string" || !GUID_RE.test(props.tenantId)) throw ArmErrors.invalidProperty("tenantId", props.tenantId);
    target.tenantId = props.tenantId.toLowerCase();
  }
  if (props.sku !== undefined) {
    const sku = props.sku;
    if (!isObject(sku)) throw ArmErrors.invalidProperty("sku", sku);
    const name = typeof sku.name === "string" ? sku.name.toLowerCase() : undefined;
    if (name !== "standard" && name !== "premium") throw ArmErrors.invalidProperty("sku.name", sku.name);
    if (sku.family !== undefined && sku.family !== "A") throw ArmErrors.invalidProperty("sku.family", sku.family);
    target.sku = { family: "A", name };
  }
  for (const k of BOOL_PROPS) {
    const value = props[k];
    if (value === undefined || value === null) continue;
    if (typeof value !== "boolean") throw ArmErrors.invalidProperty(k, value);
  }
  if (props.enableSoftDelete === false) throw ArmErrors.softDeleteIrreversible();
  if (props.enablePurgeProtection === false && (o.create || o.previous?.enablePurgeProtection)) throw ArmErrors.purgeProtectionIrreversible();
  if (props.enablePurgeProtection === true) target.enablePurgeProtection = true;
  for (const k of ["enabledForDeployment", "enabledForDiskEncryption", "enabledForTemplateDeployment", "enableRbacAuthorization"] as const) {
    if (typeof props[k] === "boolean") target[k] = props[k] as boolean;
  }
  if (props.softDeleteRetentionInDays !== undefined && props.softDeleteRetentionInDays !== null) {
    const d = props.softDeleteRetentionInDays;
    if (typeof d !== "number" || !Number.isInteger(d) || d < RETENTION_MIN_DAYS || d > RETENTION_MAX_DAYS) throw ArmErrors.retentionOutOfRange(d);
    if (!o.create && o.previous && d !== o.previous.softDeleteRetentionInDays) throw ArmErrors.retentionImmutable();
    target.softDeleteRetentionInDays = d;
  } else if (o.create) {
    target.softDeleteRetentionInDays = RETENTION_DEFAULT_DAYS;
  }
  if (props.accessPolicies !== undefined) target.accessPolicies = parseAccessPolicies(props.accessPolicies);
  else if (o.full) target.accessPolicies = [];
  if (props.publicNetworkAccess !== undefined) {
    if (typeof props.publicNetworkAccess !== "string") throw ArmErrors.invalidProperty("publicNetworkAccess", props.publicNetworkAccess);
    target.publicNetworkAccess = props.publicNetworkAccess;
  }
}
