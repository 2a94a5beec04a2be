import type { LabContext } from "./context.js";
import { LabRecords, type LabRecord } from "./LabRecord.js";
import { Directory, sha256 } from "../entra/index.js";
import { RoleAssignments } from "../rbac/index.js";
import { bootstrapInfrastructure } from "../arm/azurelocal/index.js";

export interface BootstrapOptions {
  tenantId?: string;
  subscriptionId?: string;
}

/** Creates the lab's tenant, subscription and admin principals on first start; returns the record. */
export async function bootstrapLab(ctx: Pick<LabContext, "store" | "random" | "clock">, o: BootstrapOptions): Promise<LabRecord> {
  return ctx.store.write(async (tx) => {
    const existing = await LabRecords.get(tx);
    if (existing) return existing;
    const tenantId = (o.tenantId ?? ctx.random.uuid()).toLowerCase();
    const subscriptionId = (o.subscriptionId ?? ctx.random.uuid()).toLowerCase();
    const now = ctx.clock.now();
    const rec: LabRecord = {
      tenantId,
      tenantDomain: "wilab.onmicrosoft.com",
      subscriptionId,
      subscriptionName: "wilab subscription",
      createdAt: now,
      adminUser: {
        objectId: ctx.random.uuid(),
        userPrincipalName: "admin@wilab.onmicrosoft.com",
        displayName: "wilab admin",
        password: ctx.random.base64url(24),
      },
      adminApp: {
        appId: ctx.random.uuid(),
        objectId: ctx.random.uuid(),
        displayName: "wilab-admin",
        clientSecret: `wl~${ctx.random.base64url(30)}`,
      },
      clockOffsetMs: 0,
    };
    await LabRecords.put(tx, rec);
    await bootstrapInfrastructure(tx, subscriptionId, "westeurope");
    await Directory.putUser(tx, {
      objectId: rec.adminUser.objectId,
      userPrincipalName: rec.adminUser.userPrincipalName,
      displayName: rec.adminUser.displayName,
      passwordSha256: sha256(rec.adminUser.password),
    });
    await Directory.putServicePrincipal(tx, {
      objectId: rec.adminApp.objectId,
      appId: rec.adminApp.appId,
      displayName: rec.adminApp.displayName,
      servicePrincipalType: "Application",
      secretSha256: sha256(rec.adminApp.clientSecret),
    });
    const scope = `/subscriptions/${subscriptionId}`;
    // The subscription's Owner assignments predate the lab's first sign-in (a day back), so that an RBAC
    // propagation delay (`wilab up --realistic`, a propagation fault) never locks the admin out of a new lab.
    const createdOn = new Date(now - 24 * 3_600_000).toISOString();
    for (const [principalId, principalType] of [
      [rec.adminUser.objectId, "User"],
      [rec.adminApp.objectId, "ServicePrincipal"],
    ] as const) {
      await RoleAssignments.put(tx, {
        name: ctx.random.uuid(),
        scope,
        roleDefinitionId: `${scope}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635`,
        principalId,
        principalType,
        description: "wilab: the lab's admin is Owner of the subscription",
        condition: null,
        conditionVersion: null,
        createdOn,
        updatedOn: createdOn,
        createdBy: null,
        updatedBy: null,
      });
    }
    return rec;
  });
}
