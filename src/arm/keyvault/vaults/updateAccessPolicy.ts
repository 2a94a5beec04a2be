import { Vaults, type AccessPolicyEntry } from "../../../keyvault/index.js";
import { ArmErrors } from "../../ArmError.js";
import { isObject } from "../../ArmRoute.js";
import { KEYVAULT_API_VERSIONS } from "../../apiVersions.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { parseAccessPolicies } from "../vaultInput.js";
import { accessPoliciesOf } from "../vaultBody.js";
import { mustGetVault, VAULT_ITEM } from "./shared.js";

const ACCESS_POLICIES_TYPE = "Microsoft.KeyVault/vaults/accessPolicies";
const PERMISSION_KINDS = ["keys", "secrets", "certificates", "storage"] as const;
type PolicyKind = "add" | "replace" | "remove";

const samePrincipal = (p: AccessPolicyEntry, c: AccessPolicyEntry): boolean =>
  p.objectId.toLowerCase() === c.objectId.toLowerCase() && p.tenantId.toLowerCase() === c.tenantId.toLowerCase() && (p.applicationId ?? "") === (c.applicationId ?? "");

/** Adds or removes one entry's permissions on the matching entry `p` (in place). */
function mergePermissions(p: AccessPolicyEntry, c: AccessPolicyEntry, kind: PolicyKind): void {
  for (const k of PERMISSION_KINDS) {
    const add = c.permissions[k];
    if (!add) continue;
    const have = new Set(p.permissions[k] ?? []);
    for (const x of add) {
      if (kind === "add") have.add(x);
      else have.delete(x);
    }
    p.permissions[k] = [...have];
  }
}

/** The access policies after an `add`, `replace` or `remove` of `change`. */
export function mergePolicies(current: AccessPolicyEntry[], change: AccessPolicyEntry[], kind: PolicyKind): AccessPolicyEntry[] {
  const out = current.map((p) => ({ ...p, permissions: { ...p.permissions } }));
  for (const c of change) {
    const i = out.findIndex((p) => samePrincipal(p, c));
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
    mergePermissions(p, c, kind);
    if (kind === "remove" && PERMISSION_KINDS.every((k) => !p.permissions[k]?.length)) out.splice(i, 1);
  }
  return out;
}

/** `PUT …/vaults/{name}/accessPolicies/{add|replace|remove}`. */
export const updateAccessPolicy = defineOperation<ArmDeps>({
  method: "PUT",
  path: `${VAULT_ITEM}/accessPolicies/{operationKind}`,
  type: ACCESS_POLICIES_TYPE,
  apiVersions: KEYVAULT_API_VERSIONS,
  resourceGroupParam: "resourceGroupName",
  handler: async (d, req, tx) => {
    const v = await mustGetVault(d, tx, req);
    const kind = req.params.operationKind!.toLowerCase();
    if (kind !== "add" && kind !== "replace" && kind !== "remove") throw ArmErrors.invalidAccessPolicyOperation(req.params.operationKind!);
    const props = isObject(req.body) && isObject(req.body.properties) ? req.body.properties : undefined;
    if (!props) throw ArmErrors.missingProperty("properties");
    const change = parseAccessPolicies(props.accessPolicies);
    v.accessPolicies = mergePolicies(accessPoliciesOf(v), change, kind);
    v.updatedAt = d.ctx.clock.now();
    await Vaults.put(tx, v);
    return { status: 200, body: { id: `${v.id}/accessPolicies/${kind}`, type: ACCESS_POLICIES_TYPE, properties: { accessPolicies: change } } };
  },
});
