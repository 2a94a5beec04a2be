import type { Tx } from "../../store/index.js";
import { ArmErrors } from "../ArmError.js";
import { isObject, normaliseLocation, type ArmRoute } from "../ArmRoute.js";
import { RESOURCES_API_VERSIONS } from "../apiVersions.js";
import type { LabContext } from "../../lab/context.js";

export interface ResourceGroupRecord {
  name: string;
  location: string;
  tags?: Record<string, string>;
  managedBy?: string;
}

const KIND = "resourceGroup";
const RG_NAME = /^[-\w._()]{1,90}$/u;

export const ResourceGroups = {
  get(tx: Tx, sub: string, name: string): Promise<ResourceGroupRecord | undefined> {
    return tx.get(KIND, `/subscriptions/${sub}/resourcegroups/${name}`.toLowerCase());
  },
  put(tx: Tx, sub: string, rg: ResourceGroupRecord): Promise<void> {
    return tx.put(KIND, `/subscriptions/${sub}/resourcegroups/${rg.name}`.toLowerCase(), rg, sub.toLowerCase());
  },
  delete(tx: Tx, sub: string, name: string): Promise<boolean> {
    return tx.delete(KIND, `/subscriptions/${sub}/resourcegroups/${name}`.toLowerCase());
  },
  async list(tx: Tx, sub: string): Promise<ResourceGroupRecord[]> {
    return (await tx.list<ResourceGroupRecord>(KIND, { parent: sub.toLowerCase() })).map((r) => r.value);
  },
};

export function resourceGroupBody(sub: string, rg: ResourceGroupRecord): Record<string, unknown> {
  return {
    id: `/subscriptions/${sub}/resourceGroups/${rg.name}`,
    name: rg.name,
    type: "Microsoft.Resources/resourceGroups",
    location: rg.location,
    ...(rg.tags ? { tags: rg.tags } : {}),
    ...(rg.managedBy ? { managedBy: rg.managedBy } : {}),
    properties: { provisioningState: "Succeeded" },
  };
}

/** Something that lives in a resource group and must go when it is deleted. */
export type ResourceGroupCascade = (tx: Tx, sub: string, rgName: string) => Promise<void>;

/** `Microsoft.Resources/resourceGroups` (reference §5.1). */
export function resourceGroupRoutes(ctx: LabContext, cascades: ResourceGroupCascade[]): ArmRoute[] {
  const sub = () => ctx.config.subscriptionId;
  return [
    {
      pattern: "subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}",
      type: "Microsoft.Resources/resourceGroups",
      apiVersions: RESOURCES_API_VERSIONS,
      operations: {
        GET: {
          action: "Microsoft.Resources/subscriptions/resourceGroups/read",
          write: false,
          handler: async (req, tx) => {
            const rg = await ResourceGroups.get(tx, sub(), req.params.resourceGroupName!);
            if (!rg) throw ArmErrors.resourceGroupNotFound(req.params.resourceGroupName!);
            if (req.method === "HEAD") return { status: 204 };
            return { status: 200, body: resourceGroupBody(sub(), rg) };
          },
        },
        PUT: {
          action: "Microsoft.Resources/subscriptions/resourceGroups/write",
          write: true,
          handler: async (req, tx) => {
            const name = req.params.resourceGroupName!;
            if (!RG_NAME.test(name) || name.endsWith(".")) throw ArmErrors.invalidResourceGroupName(name);
            const body = req.body;
            if (!isObject(body)) throw ArmErrors.invalidRequestContent("The request content was empty or not a JSON object");
            if (typeof body.location !== "string" || !body.location.trim()) throw ArmErrors.locationRequired();
            const existing = await ResourceGroups.get(tx, sub(), name);
            const location = normaliseLocation(body.location);
            if (existing && existing.location !== location) {
              throw ArmErrors.resourceGroupLocationConflict(location, existing.location);
            }
            const tags = isObject(body.tags) ? (body.tags as Record<string, string>) : undefined;
            const rg: ResourceGroupRecord = { name: existing?.name ?? name, location, ...(tags ? { tags } : {}), ...(typeof body.managedBy === "string" ? { managedBy: body.managedBy } : {}) };
            await ResourceGroups.put(tx, sub(), rg);
            return { status: existing ? 200 : 201, body: resourceGroupBody(sub(), rg) };
          },
        },
        PATCH: {
          action: "Microsoft.Resources/subscriptions/resourceGroups/write",
          write: true,
          handler: async (req, tx) => {
            const rg = await ResourceGroups.get(tx, sub(), req.params.resourceGroupName!);
            if (!rg) throw ArmErrors.resourceGroupNotFound(req.params.resourceGroupName!);
            const body = isObject(req.body) ? req.body : {};
            if (isObject(body.tags)) rg.tags = body.tags as Record<string, string>;
            await ResourceGroups.put(tx, sub(), rg);
            return { status: 200, body: resourceGroupBody(sub(), rg) };
          },
        },
        DELETE: {
          action: "Microsoft.Resources/subscriptions/resourceGroups/delete",
          write: true,
          handler: async (req, tx) => {
            const rg = await ResourceGroups.get(tx, sub(), req.params.resourceGroupName!);
            if (!rg) throw ArmErrors.resourceGroupNotFound(req.params.resourceGroupName!);
            for (const c of cascades) await c(tx, sub(), rg.name);
            await ResourceGroups.delete(tx, sub(), rg.name);
            return { status: 200 };
          },
        },
      },
    },
    {
      pattern: "subscriptions/{subscriptionId}/resourcegroups",
      type: "Microsoft.Resources/resourceGroups",
      apiVersions: RESOURCES_API_VERSIONS,
      operations: {
        GET: {
          action: "Microsoft.Resources/subscriptions/resourceGroups/read",
          write: false,
          handler: async (_req, tx) => ({ status: 200, body: { value: (await ResourceGroups.list(tx, sub())).map((rg) => resourceGroupBody(sub(), rg)) } }),
        },
      },
    },
  ];
}
