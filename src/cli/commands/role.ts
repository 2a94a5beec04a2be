import { randomUUID } from "node:crypto";
import { bool, str, type ArgDef, type Args, type CommandDef, type GroupDef } from "../core/command.js";
import { CliError, UsageError } from "../core/errors.js";
import { jwtClaims, ARM_RESOURCE, type Session } from "../core/session.js";
import { isJsonObject, type Json, type JsonObject } from "../core/types.js";
import { AUTHZ_API, MSI_API, SUBSCRIPTION_ARG, enc, flatten, valueList } from "./arm.js";

export const groups: GroupDef[] = [
  { name: "role", summary: "Manage Azure role-based access control (Azure RBAC)." },
  { name: "role assignment", summary: "Manage role assignments." },
  { name: "role definition", summary: "Manage role definitions." },
];

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"];

function scopeOf(s: Session, a: Args): string {
  const explicit = str(a, "scope");
  if (explicit) return explicit.replace(/\/+$/, "") || "/";
  const sub = s.subscription(str(a, "subscription")).id;
  const rg = str(a, "resource_group");
  return rg ? `/subscriptions/${sub}/resourceGroups/${rg}` : `/subscriptions/${sub}`;
}

function scopePath(scope: string): string {
  return scope === "/" ? "" : scope;
}

async function roleDefinitions(s: Session, a: Args, scope: string, name?: string): Promise<JsonObject[]> {
  // Built-in roles live at the subscription (ARM answers with subscription-level ids at any scope below it).
  const m = /^\/subscriptions\/[^/]+/i.exec(scope);
  const base = m ? m[0] : `/subscriptions/${s.subscription(str(a, "subscription")).id}`;
  if (name && GUID_RE.test(name)) {
    const d = await s.arm({ method: "GET", path: `${scopePath(base)}/providers/Microsoft.Authorization/roleDefinitions/${enc(name)}`, apiVersion: AUTHZ_API });
    return isJsonObject(d) ? [d] : [];
  }
  if (name && name.startsWith("/")) {
    const d = await s.arm({ method: "GET", path: name, apiVersion: AUTHZ_API });
    return isJsonObject(d) ? [d] : [];
  }
  const query: Record<string, string> = name ? { $filter: `roleName eq '${name.replace(/'/g, "''")}'` } : {};
  return valueList(await s.arm({ method: "GET", path: `${scopePath(base)}/providers/Microsoft.Authorization/roleDefinitions`, apiVersion: AUTHZ_API, query })).filter(isJsonObject);
}

async function resolveRole(s: Session, a: Args, scope: string, role: string): Promise<string> {
  const defs = await roleDefinitions(s, a, scope, role);
  if (defs.length === 0) throw new CliError(`Role '${role}' doesn't exist.`);
  if (defs.length > 1) throw new CliError(`More than one role matches the given name '${role}'. Please pick an id from '${defs.map((d) => d.id).join(", ")}'`);
  return String(defs[0]!.id);
}

interface Principal {
  objectId: string;
  type?: string;
  name?: string;
}

/** Directory lookups az makes through Graph, answered from what the CLI knows: the signed-in account, the lab admin, the subscription's identities. */
async function knownPrincipals(s: Session, a: Args): Promise<{ byKey: Map<string, Principal>; byOid: Map<string, Principal> }> {
  const byKey = new Map<string, Principal>();
  const byOid = new Map<string, Principal>();
  const add = (p: Principal, keys: string[]) => {
    byOid.set(p.objectId.toLowerCase(), p);
    for (const k of keys) byKey.set(k.toLowerCase(), p);
  };
  const lab = s.lab;
  add({ objectId: lab.admin.userObjectId, type: "User", name: lab.admin.userPrincipalName }, [lab.admin.userObjectId, lab.admin.userPrincipalName]);
  add({ objectId: lab.admin.objectId, type: "ServicePrincipal", name: lab.admin.clientId }, [lab.admin.objectId, lab.admin.clientId]);
  const me = jwtClaims((await s.token(ARM_RESOURCE)).accessToken);
  if (typeof me.oid === "string") {
    const upn = typeof me.upn === "string" ? me.upn : typeof me.appid === "string" ? me.appid : undefined;
    const isUser = me.idtyp === "user" || typeof me.upn === "string";
    add({ objectId: me.oid, type: isUser ? "User" : "ServicePrincipal", name: upn }, [me.oid, ...(upn ? [upn] : [])]);
  }
  try {
    const sub = s.subscription(str(a, "subscription")).id;
    const ids = valueList(await s.arm({ method: "GET", path: `/subscriptions/${sub}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`, apiVersion: MSI_API }));
    for (const i of ids) {
      const p = isJsonObject(i) && isJsonObject(i.properties) ? i.properties : undefined;
      if (p && typeof p.principalId === "string" && typeof p.clientId === "string") {
        add({ objectId: p.principalId, type: "ServicePrincipal", name: p.clientId }, [p.principalId, p.clientId]);
      }
    }
  } catch {
    // Listing identities is only a convenience for --assignee; without it GUIDs are taken as object ids.
  }
  return { byKey, byOid };
}

async function resolveAssignee(s: Session, a: Args, assignee: string): Promise<Principal> {
  const { byKey } = await knownPrincipals(s, a);
  const p = byKey.get(assignee.toLowerCase());
  if (p) return p;
  if (GUID_RE.test(assignee)) return { objectId: assignee };
  throw new CliError(
    `Cannot find user or service principal in graph database for '${assignee}'. If the assignee is an appId, make sure the corresponding service principal is created with 'az ad sp create --id ${assignee}'.`,
  );
}

const ASSIGNEE: ArgDef = { dest: "assignee", options: ["--assignee"], help: "Represent a user, group, or service principal. supported format: object id, user sign-in name, or service principal name." };
const ROLE: ArgDef = { dest: "role", options: ["--role"], help: "Role name or id." };
const SCOPE: ArgDef = { dest: "scope", options: ["--scope"], help: "Scope at which the role assignment or definition applies to, e.g., /subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333, /subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/myGroup, or /subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/myGroup/providers/Microsoft.Compute/virtualMachines/myVM" };
const RG: ArgDef = { dest: "resource_group", options: ["--resource-group", "-g"], help: "Use it only if the role or assignment was added at the level of a resource group." };

function assignmentTable(v: Json): Json {
  return (Array.isArray(v) ? v : [v]).filter(isJsonObject).map((r) => ({ Principal: r.principalName ?? "", Role: r.roleDefinitionName ?? "", Scope: r.scope ?? "" }));
}

async function listAssignments(s: Session, a: Args): Promise<JsonObject[]> {
  const all = bool(a, "all") === true;
  const scope = scopeOf(s, a);
  const sub = s.subscription(str(a, "subscription")).id;
  let items: JsonObject[];
  if (all && !str(a, "scope") && !str(a, "resource_group")) {
    items = valueList(await s.arm({ method: "GET", path: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments`, apiVersion: AUTHZ_API })).filter(isJsonObject);
  } else {
    items = valueList(await s.arm({ method: "GET", path: `${scopePath(scope)}/providers/Microsoft.Authorization/roleAssignments`, apiVersion: AUTHZ_API, query: { $filter: "atScope()" } })).filter(isJsonObject);
    if (bool(a, "include_inherited") !== true) {
      items = items.filter((x) => isJsonObject(x.properties) && typeof x.properties.scope === "string" && x.properties.scope.toLowerCase().replace(/\/+$/, "") === scope.toLowerCase());
    }
  }
  const assignee = str(a, "assignee");
  if (assignee) {
    const p = await resolveAssignee(s, a, assignee);
    items = items.filter((x) => isJsonObject(x.properties) && String(x.properties.principalId).toLowerCase() === p.objectId.toLowerCase());
  }
  const role = str(a, "role");
  if (role) {
    const rid = (await resolveRole(s, a, scope, role)).split("/").pop()!.toLowerCase();
    items = items.filter((x) => isJsonObject(x.properties) && String(x.properties.roleDefinitionId).toLowerCase().endsWith(rid));
  }
  return items;
}

export const commands: CommandDef[] = [
  {
    name: "role assignment create",
    summary: "Create a new role assignment for a user, group, or service principal.",
    args: [
      { ...ROLE, required: true },
      ASSIGNEE,
      { dest: "assignee_object_id", options: ["--assignee-object-id"], help: "Use this parameter instead of '--assignee' to bypass Graph API invocation in case of insufficient privileges. This parameter only works with object ids for users, groups, service principals, and managed identities. For managed identities use the principal id. For service principals, use the object id and not the app id." },
      { dest: "assignee_principal_type", options: ["--assignee-principal-type"], choices: PRINCIPAL_TYPES, help: "Use with --assignee-object-id to avoid errors caused by propagation latency in Microsoft Graph." },
      SCOPE,
      RG,
      { dest: "description", options: ["--description"], help: "Description of role assignment." },
      { dest: "condition", options: ["--condition"], help: "Condition under which the user can be granted permission." },
      { dest: "condition_version", options: ["--condition-version"], help: "Version of the condition syntax. If --condition is specified without --condition-version, default to 2.0." },
      { dest: "assignment_name", options: ["--name"], help: "A GUID for the role assignment. It must be unique and different for each role assignment. If omitted, a new GUID is generated." },
      SUBSCRIPTION_ARG,
    ],
    examples: [
      {
        summary: "Create role assignment for an assignee with description and condition.",
        command: "az role assignment create --role \"Key Vault Secrets User\" --assignee-object-id 00000000-0000-0000-0000-000000000000 --assignee-principal-type ServicePrincipal --scope /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/MyResourceGroup",
      },
    ],
    async run(ctx, a) {
      const s = ctx.session();
      const assignee = str(a, "assignee");
      const objectId = str(a, "assignee_object_id");
      if (!assignee && !objectId) throw new UsageError("usage error: --assignee STRING | --assignee-object-id GUID");
      if (assignee && objectId) throw new UsageError("usage error: --assignee STRING | --assignee-object-id GUID");
      const scope = scopeOf(s, a);
      const roleDefinitionId = await resolveRole(s, a, scope, str(a, "role")!);
      let principal: Principal;
      if (objectId) {
        const known = (await knownPrincipals(s, a)).byOid.get(objectId.toLowerCase());
        principal = { objectId, type: str(a, "assignee_principal_type") ?? known?.type };
      } else {
        principal = await resolveAssignee(s, a, assignee!);
        if (str(a, "assignee_principal_type")) principal.type = str(a, "assignee_principal_type");
      }
      const properties: JsonObject = { roleDefinitionId, principalId: principal.objectId };
      if (principal.type) properties.principalType = principal.type;
      if (str(a, "description")) properties.description = str(a, "description")!;
      if (str(a, "condition")) {
        properties.condition = str(a, "condition")!;
        properties.conditionVersion = str(a, "condition_version") ?? "2.0";
      }
      const name = str(a, "assignment_name") ?? randomUUID();
      const res = await s.arm({ method: "PUT", path: `${scopePath(scope)}/providers/Microsoft.Authorization/roleAssignments/${enc(name)}`, apiVersion: AUTHZ_API, body: { properties } });
      return flatten(res);
    },
  },
  {
    name: "role assignment list",
    summary: "List role assignments.",
    args: [
      ASSIGNEE,
      ROLE,
      SCOPE,
      RG,
      { dest: "all", options: ["--all"], kind: "flag", help: "Show all assignments under the current subscription." },
      { dest: "include_inherited", options: ["--include-inherited"], kind: "flag", help: "Include assignments applied on parent scopes." },
      { dest: "include_groups", options: ["--include-groups"], kind: "flag", help: "Include extra assignments to the groups of which the user is a member (transitively)." },
      { dest: "fill_principal_name", options: ["--fill-principal-name"], kind: "bool", default: true, help: "Fill principalName property with value from Graph." },
      { dest: "fill_role_definition_name", options: ["--fill-role-definition-name"], kind: "bool", default: true, help: "Fill roleDefinitionName property with role definition name." },
      SUBSCRIPTION_ARG,
    ],
    examples: [{ summary: "List the role assignments on a key vault.", command: "az role assignment list --scope $KVId" }],
    tableTransform: assignmentTable,
    async run(ctx, a) {
      const s = ctx.session();
      const items = (await listAssignments(s, a)).map((x) => flatten(x)).filter(isJsonObject);
      if (bool(a, "fill_role_definition_name") !== false && items.length) {
        const defs = await roleDefinitions(s, a, `/subscriptions/${s.subscription(str(a, "subscription")).id}`);
        const names = new Map(defs.map((d) => [String(d.name).toLowerCase(), isJsonObject(d.properties) ? String(d.properties.roleName) : ""]));
        for (const x of items) x.roleDefinitionName = names.get(String(x.roleDefinitionId).split("/").pop()!.toLowerCase()) ?? null;
      }
      if (bool(a, "fill_principal_name") !== false && items.length) {
        const { byOid } = await knownPrincipals(s, a);
        for (const x of items) x.principalName = byOid.get(String(x.principalId).toLowerCase())?.name ?? "";
      }
      return items;
    },
  },
  {
    name: "role assignment delete",
    summary: "Delete role assignments.",
    args: [
      { dest: "ids", options: ["--ids"], kind: "list", help: "Space-separated role assignment ids." },
      ASSIGNEE,
      ROLE,
      SCOPE,
      RG,
      { dest: "include_inherited", options: ["--include-inherited"], kind: "flag", help: "Include assignments applied on parent scopes." },
      { dest: "yes", options: ["--yes", "-y"], kind: "flag", help: "Continue to delete all assignments under the subscription." },
      SUBSCRIPTION_ARG,
    ],
    examples: [{ summary: "Delete role assignments by id.", command: "az role assignment delete --ids $ASSIGNMENT_ID" }],
    async run(ctx, a) {
      const s = ctx.session();
      const ids = (a.ids as string[] | undefined) ?? [];
      if (ids.length === 0) {
        if (!str(a, "assignee") && !str(a, "role") && !str(a, "scope") && !str(a, "resource_group") && bool(a, "yes") !== true) {
          throw new CliError("Cannot delete all role assignments under the subscription without --yes. Use --assignee, --role, --scope or --ids to select assignments.");
        }
        for (const x of await listAssignments(s, a)) if (typeof x.id === "string") ids.push(x.id);
        if (ids.length === 0) {
          ctx.warn("No matched assignments were found to delete");
          return undefined;
        }
      }
      for (const id of ids) await s.arm({ method: "DELETE", path: id, apiVersion: AUTHZ_API });
      return undefined;
    },
  },
  {
    name: "role definition list",
    summary: "List role definitions.",
    args: [
      { dest: "name", options: ["--name", "-n"], help: "A role's name (title), such as 'Key Vault Secrets User', or its id." },
      SCOPE,
      RG,
      { dest: "custom_role_only", options: ["--custom-role-only"], kind: "bool", help: "Custom roles only (vs. build-in ones)." },
      SUBSCRIPTION_ARG,
    ],
    examples: [{ summary: "Show the 'Key Vault Secrets Officer' role.", command: "az role definition list --name \"Key Vault Secrets Officer\"" }],
    tableTransform: (v) => (Array.isArray(v) ? v : [v]).filter(isJsonObject).map((r) => ({ Name: r.roleName ?? null, Type: r.roleType ?? null, Description: r.description ?? null })),
    async run(ctx, a) {
      const s = ctx.session();
      const scope = str(a, "scope") || str(a, "resource_group") ? scopeOf(s, a) : `/subscriptions/${s.subscription(str(a, "subscription")).id}`;
      let defs = (await roleDefinitions(s, a, scope, str(a, "name"))).map(flatten).filter(isJsonObject);
      if (bool(a, "custom_role_only")) defs = defs.filter((d) => d.roleType === "CustomRole");
      return defs;
    },
  },
];
