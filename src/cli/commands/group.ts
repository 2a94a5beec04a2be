import { bool, str, tagsArg, type CommandDef, type GroupDef } from "../core/command.js";
import { isJsonObject, type Json, type JsonObject } from "../core/types.js";
import { ServiceError } from "../core/errors.js";
import { LOCATION_ARG, RESOURCES_API, SUBSCRIPTION_ARG, TAGS_ARG, enc, normaliseLocation, valueList } from "./arm.js";

export const groups: GroupDef[] = [{ name: "group", summary: "Manage resource groups and template deployments." }];

const NAME_ARG = { dest: "name", options: ["--name", "-n", "--resource-group", "-g"], required: true, help: "Name of resource group.", idPart: "resource_group" as const };

/** The SDK model's attributes: absent ones print as null. */
function groupView(v: Json | undefined): Json {
  if (!isJsonObject(v)) return v ?? null;
  const out: JsonObject = { id: null, location: null, managedBy: null, name: null, properties: null, tags: null, type: null };
  return { ...out, ...v };
}

const groupTable = (v: Json): Json =>
  (Array.isArray(v) ? v : [v]).filter(isJsonObject).map((r) => ({
    Name: r.name ?? null,
    Location: r.location ?? null,
    Status: isJsonObject(r.properties) ? (r.properties.provisioningState ?? null) : null,
  }));

export const commands: CommandDef[] = [
  {
    name: "group create",
    summary: "Create a new resource group.",
    args: [
      NAME_ARG,
      { ...LOCATION_ARG, required: true },
      { dest: "managed_by", options: ["--managed-by"], help: "The ID of the resource that manages this resource group." },
      TAGS_ARG,
      SUBSCRIPTION_ARG,
    ],
    examples: [
      { summary: "Create a new resource group in the West US region.", command: "az group create -l westus -n MyResourceGroup" },
    ],
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      const body: JsonObject = { location: normaliseLocation(str(a, "location")!) };
      const tags = tagsArg(a);
      if (tags) body.tags = tags;
      if (str(a, "managed_by")) body.managedBy = str(a, "managed_by")!;
      return groupView(await s.arm({ method: "PUT", path: `/subscriptions/${sub}/resourcegroups/${enc(str(a, "name")!)}`, apiVersion: RESOURCES_API, body }));
    },
  },
  {
    name: "group show",
    summary: "Gets a resource group.",
    args: [NAME_ARG, SUBSCRIPTION_ARG],
    examples: [{ summary: "Get a resource group.", command: "az group show -n MyResourceGroup" }],
    tableTransform: groupTable,
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      return groupView(await s.arm({ method: "GET", path: `/subscriptions/${sub}/resourcegroups/${enc(str(a, "name")!)}`, apiVersion: RESOURCES_API }));
    },
  },
  {
    name: "group list",
    summary: "List resource groups.",
    args: [{ dest: "tag", options: ["--tag"], help: "a single tag in 'key[=value]' format" }, SUBSCRIPTION_ARG],
    examples: [{ summary: "List all resource groups located in the West US region.", command: "az group list --query \"[?location=='westus']\"" }],
    tableTransform: groupTable,
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      const tag = str(a, "tag");
      const query: Record<string, string> = {};
      if (tag) {
        const [k, v] = tag.split("=", 2);
        query.$filter = v === undefined ? `tagName eq '${k}'` : `tagName eq '${k}' and tagValue eq '${v}'`;
      }
      let all = valueList(await s.arm({ method: "GET", path: `/subscriptions/${sub}/resourcegroups`, apiVersion: RESOURCES_API, query })).map(groupView);
      if (tag) {
        const [k, v] = tag.split("=", 2);
        all = all.filter((g) => isJsonObject(g) && isJsonObject(g.tags) && k! in g.tags && (v === undefined || g.tags[k!] === v));
      }
      return all;
    },
  },
  {
    name: "group delete",
    summary: "Delete a resource group.",
    args: [
      NAME_ARG,
      { dest: "yes", options: ["--yes", "-y"], kind: "flag", help: "Do not prompt for confirmation." },
      { dest: "no_wait", options: ["--no-wait"], kind: "flag", help: "Do not wait for the long-running operation to finish." },
      { dest: "force_deletion_types", options: ["--force-deletion-types", "-f"], help: "The resource types you want to force delete." },
      SUBSCRIPTION_ARG,
    ],
    confirm: true,
    examples: [{ summary: "Delete a resource group.", command: "az group delete -n MyResourceGroup" }],
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      await s.arm({ method: "DELETE", path: `/subscriptions/${sub}/resourcegroups/${enc(str(a, "name")!)}`, apiVersion: RESOURCES_API });
      void bool(a, "no_wait");
      return undefined;
    },
  },
  {
    name: "group exists",
    summary: "Check if a resource group exists.",
    args: [NAME_ARG, SUBSCRIPTION_ARG],
    examples: [{ summary: "Check if 'MyResourceGroup' exists.", command: "az group exists -n MyResourceGroup" }],
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      const res = await s.armRaw({ method: "HEAD", path: `/subscriptions/${sub}/resourcegroups/${enc(str(a, "name")!)}`, apiVersion: RESOURCES_API });
      if (res.status === 204 || res.status === 200) return true;
      if (res.status === 404) return false;
      throw new ServiceError(res.status, "Error", `Operation returned an invalid status code '${res.status}'`);
    },
  },
];
