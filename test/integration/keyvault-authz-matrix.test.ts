// The Key Vault authorization matrix (issue 12, item 3): every built-in role the lab publishes, and a range of
// access-policy permission sets, against every secret operation, each cell driven with @azure/keyvault-secrets by
// a managed identity of the lab signed in through workload identity federation.
//
// The expected table is computed here, independently of the lab's evaluator (src/rbac/evaluate is not used):
// - a role allows an operation when one of its dataActions matches the operation's data action (`*` wildcard,
//   case-insensitive) and none of its notDataActions does; the role definitions come from the lab's ARM
//   roleDefinitions API and must equal the published ones quoted in PUBLISHED below;
// - an access policy allows an operation when its secret permissions list the permission the operation needs.
// Each cell is answered as Azure answers it: the operation's normal status when allowed; 403 Forbidden with
// innererror ForbiddenByRbac (RBAC) or AccessDenied (access policies), and no side effect, when denied.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WorkloadIdentityCredential, type TokenCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { startTestLab, adminCredential, armClientOptions } from "../helpers/lab.js";
import { startTestIssuer, type TestIssuer } from "../helpers/testIssuer.js";
import type { Lab } from "../../src/index.js";

const RG = "rg-authz-matrix";
const LOC = "westeurope";
const V_RBAC = "kv-matrix-rbac";
const V_POLICY = "kv-matrix-policy";
const KV = "Microsoft.KeyVault/vaults";
const S = `${KV}/secrets`;
const ADMIN_ROLE = "00482a5a-887f-4fb3-b363-3b7fe8e74483"; // Key Vault Administrator, for the preparing admin
const poll = { intervalInMs: 5 };

/**
 * The Key Vault roles' published dataActions, quoted from Microsoft's built-in roles reference
 * (MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles/security.md, ms.date 02/23/2026;
 * each role's JSON block). None of them has notDataActions. Every other built-in role the lab publishes (Owner,
 * Contributor, Reader, User Access Administrator, Key Vault Contributor, Key Vault Data Access Administrator,
 * Managed Identity Contributor/Operator) has no dataActions at all in the same reference.
 * "Key Vault Purge Operator" (a68e7c17-…) is listed by the Key Vault RBAC guide as "Allows permanent deletion of
 * soft-deleted vaults" (a vault-level, control-plane purge); the roles reference quoted here does not list it, so
 * its definition is unverified and the lab does not publish it.
 */
const PUBLISHED: Record<string, string[]> = {
  "Key Vault Administrator": [`${KV}/*`],
  "Key Vault Certificate User": [`${KV}/certificates/read`, `${S}/getSecret/action`, `${S}/readMetadata/action`, `${KV}/keys/read`],
  "Key Vault Certificates Officer": [`${KV}/certificatecas/*`, `${KV}/certificates/*`, `${KV}/certificatecontacts/write`],
  "Key Vault Crypto Officer": [`${KV}/keys/*`, `${KV}/keyrotationpolicies/*`],
  "Key Vault Crypto Service Encryption User": [`${KV}/keys/read`, `${KV}/keys/wrap/action`, `${KV}/keys/unwrap/action`],
  "Key Vault Crypto Service Release User": [`${KV}/keys/release/action`],
  "Key Vault Crypto User": ["read", "update/action", "backup/action", "encrypt/action", "decrypt/action", "wrap/action", "unwrap/action", "sign/action", "verify/action"].map((a) => `${KV}/keys/${a}`),
  "Key Vault Reader": [`${KV}/*/read`, `${S}/readMetadata/action`],
  "Key Vault Secrets Officer": [`${S}/*`],
  "Key Vault Secrets User": [`${S}/getSecret/action`, `${S}/readMetadata/action`],
};

type OpName = "get" | "list" | "set" | "delete" | "recover" | "purge" | "backup" | "restore" | "listDeleted" | "getDeleted";

/**
 * One secret operation: the data action Key Vault checks under RBAC, the permission it checks under access policies,
 * its success status and the request that carries it.
 * Data actions [D]: Microsoft's resource provider operations (azure-docs role-based-access-control/permissions/
 * security.md, Microsoft.KeyVault): getSecret/action "Gets the value of a secret", readMetadata/action "List or view
 * the properties of a secret, but not its value", setSecret/action, delete, recover/action, purge/action,
 * backup/action, restore/action. The deleted-secret reads (no value) take readMetadata (reference §3.2).
 * Permissions [D]: the Key Vault REST spec as shipped in @azure/keyvault-secrets 4.11 ("This operation requires the
 * secrets/{get|list|set|delete|recover|purge|backup|restore} permission"); Get Deleted Secret requires secrets/get,
 * Get Deleted Secrets secrets/list.
 * Statuses [D]: 200 everywhere but purge (204), per the same spec.
 */
interface OpSpec {
  name: OpName;
  dataAction: string;
  permission: string;
  status: number;
  method: string;
  /** The path of the request the operation starts with; `n` is the cell's secret name. */
  path(n: string): string;
  /** Whether the RBAC target is the secret (`…/secrets/{n}`) rather than the vault. */
  onSecret: boolean;
}

const op = (name: OpName, action: string, permission: string, status: number, method: string, path: (n: string) => string, onSecret: boolean): OpSpec => ({
  name,
  dataAction: `${S}/${action}`,
  permission,
  status,
  method,
  path,
  onSecret,
});

const OPS: OpSpec[] = [
  op("get", "getSecret/action", "get", 200, "GET", (n) => `/secrets/${n}`, true),
  op("list", "readMetadata/action", "list", 200, "GET", () => "/secrets", false),
  op("set", "setSecret/action", "set", 200, "PUT", (n) => `/secrets/${n}`, true),
  op("delete", "delete", "delete", 200, "DELETE", (n) => `/secrets/${n}`, true),
  op("recover", "recover/action", "recover", 200, "POST", (n) => `/deletedsecrets/${n}/recover`, true),
  op("purge", "purge/action", "purge", 204, "DELETE", (n) => `/deletedsecrets/${n}`, true),
  op("backup", "backup/action", "backup", 200, "POST", (n) => `/secrets/${n}/backup`, true),
  // The blob names the secret; the lab checks restore at the vault's scope [I].
  op("restore", "restore/action", "restore", 200, "POST", () => "/secrets/restore", false),
  op("listDeleted", "readMetadata/action", "list", 200, "GET", () => "/deletedsecrets", false),
  op("getDeleted", "readMetadata/action", "get", 200, "GET", (n) => `/deletedsecrets/${n}`, true),
];

/** The access-policy secret permissions (Microsoft.KeyVault SecretPermissions, "all" aside). */
const PERMISSIONS = ["get", "list", "set", "delete", "recover", "backup", "restore", "purge"];
const POLICY_SETS: string[][] = [[], ...PERMISSIONS.map((p) => [p]), ["get", "list"], PERMISSIONS];

/** `*` matches any run of characters, '/' included; comparison ignores case (Azure RBAC action strings). */
function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`, "i");
  return re.test(action);
}

interface RoleDef {
  guid: string;
  roleName: string;
  dataActions: string[];
  notDataActions: string[];
}

function roleAllows(r: RoleDef, action: string): boolean {
  return r.dataActions.some((p) => actionMatches(p, action)) && !r.notDataActions.some((p) => actionMatches(p, action));
}

/** Every request a SecretClient sends, as the service answered it (after the SDK's challenge round trip). */
interface Exchange {
  method: string;
  path: string;
  status: number;
  body: string;
}

interface Principal {
  label: string;
  principalId: string;
  clientId: string;
  client: SecretClient;
  log: Exchange[];
}

let lab: Lab;
let issuer: TestIssuer;
let dir: string;
let msi: ManagedServiceIdentityClient;
let authz: AuthorizationManagementClient;
let kvm: KeyVaultManagementClient;
const admin: Record<string, SecretClient> = {};
let roles: RoleDef[] = [];
const rolePrincipals: { role: RoleDef; p: Principal }[] = [];
const policyPrincipals: { perms: string[]; p: Principal }[] = [];

function recorder(log: Exchange[]): PipelinePolicy {
  return {
    name: "matrix-recorder",
    async sendRequest(req, next) {
      const res = await next(req);
      const u = new URL(req.url);
      log.push({ method: req.method, path: u.pathname.replace(/\/+$/, ""), status: res.status, body: res.bodyAsText ?? "" });
      return res;
    },
  };
}

function secretClient(vault: string, credential: TokenCredential, log: Exchange[]): SecretClient {
  return new SecretClient(lab.vaultUrl(vault), credential, { additionalPolicies: [{ policy: recorder(log), position: "perCall" }], retryOptions: { maxRetries: 0 } });
}

/** A user-assigned identity of the lab with a federated credential for the test issuer, and its SecretClient. */
async function principal(label: string, vault: string): Promise<Principal> {
  const name = `mx-${label}`;
  const id = await msi.userAssignedIdentities.createOrUpdate(RG, name, { location: LOC });
  const subject = `system:serviceaccount:matrix:${name}`;
  await msi.federatedIdentityCredentials.createOrUpdate(RG, name, "fic", { issuer: issuer.issuer, subject, audiences: ["api://AzureADTokenExchange"] });
  const tokenFilePath = join(dir, `${name}.jwt`);
  writeFileSync(tokenFilePath, await issuer.sign({ sub: subject }, { lifetimeS: 86_400 }));
  const credential = new WorkloadIdentityCredential({ tenantId: lab.tenantId, clientId: id.clientId!, tokenFilePath, authorityHost: lab.authorityHost, disableInstanceDiscovery: true });
  const log: Exchange[] = [];
  return { label, principalId: id.principalId!, clientId: id.clientId!, client: secretClient(vault, credential, log), log };
}

const vaultId = (v: string) => `/subscriptions/${lab.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/${v}`;

async function createVault(name: string, rbac: boolean, accessPolicies: { tenantId: string; objectId: string; permissions: { secrets: string[] } }[]): Promise<void> {
  await kvm.vaults.beginCreateOrUpdateAndWait(RG, name, {
    location: LOC,
    properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: rbac, accessPolicies },
  }, { updateIntervalInMs: 5 });
}

async function assign(principalId: string, roleGuid: string, scope: string): Promise<void> {
  await authz.roleAssignments.create(scope, randomUUID(), {
    roleDefinitionId: `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
    principalId,
    principalType: "ServicePrincipal",
  });
}

/** The lab's built-in role definitions, through ARM. */
async function publishedRoles(): Promise<RoleDef[]> {
  const out: RoleDef[] = [];
  for await (const d of authz.roleDefinitions.list(`/subscriptions/${lab.subscriptionId}`)) {
    const perms = d.permissions ?? [];
    out.push({
      guid: d.name!,
      roleName: d.roleName!,
      dataActions: perms.flatMap((p) => p.dataActions ?? []),
      notDataActions: perms.flatMap((p) => p.notDataActions ?? []),
    });
  }
  return out;
}

before(async () => {
  lab = await startTestLab();
  issuer = await startTestIssuer(lab);
  dir = mkdtempSync(join(tmpdir(), "wilab-kv-matrix-"));
  const cred = adminCredential(lab);
  const opts = armClientOptions(lab);
  kvm = new KeyVaultManagementClient(cred, lab.subscriptionId, opts);
  msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, opts);
  authz = new AuthorizationManagementClient(cred, lab.subscriptionId, opts);
  await new ResourceManagementClient(cred, lab.subscriptionId, opts).resourceGroups.createOrUpdate(RG, { location: LOC });
  roles = await publishedRoles();
  await createVault(V_RBAC, true, []);
  await assign(lab.admin.objectId, ADMIN_ROLE, vaultId(V_RBAC));
  for (const [i, role] of roles.entries()) {
    const p = await principal(`role-${i}`, V_RBAC);
    await assign(p.principalId, role.guid, vaultId(V_RBAC));
    rolePrincipals.push({ role, p });
  }
  for (const [i, perms] of POLICY_SETS.entries()) policyPrincipals.push({ perms, p: await principal(`policy-${i}`, V_POLICY) });
  const policies = [
    { tenantId: lab.tenantId, objectId: lab.admin.objectId, permissions: { secrets: PERMISSIONS } },
    ...policyPrincipals.map(({ perms, p }) => ({ tenantId: lab.tenantId, objectId: p.principalId, permissions: { secrets: perms } })),
  ];
  await createVault(V_POLICY, false, policies);
  for (const v of [V_RBAC, V_POLICY]) {
    admin[v] = secretClient(v, cred, []);
    // One request first: the SDK's challenge round trip keeps the first request's body aside in state shared by
    // the client, so concurrent first requests can lose theirs (@azure/keyvault-common keyVaultAuthenticationPolicy).
    await admin[v].listPropertiesOfSecrets().byPage().next();
  }
});

after(async () => {
  await issuer?.stop();
  await lab?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Prepared {
  value: string;
  blob?: Uint8Array;
}

async function deleteAndWait(c: SecretClient, n: string): Promise<void> {
  await (await c.beginDeleteSecret(n, poll)).pollUntilDone();
}

/** What the cell's operation needs to find (the admin makes it): a live secret, a deleted one, a backup blob. */
async function prepare(vault: string, o: OpName, n: string): Promise<Prepared> {
  const a = admin[vault]!;
  const value = `value-of-${n}`;
  if (o === "get" || o === "backup" || o === "delete") await a.setSecret(n, value);
  if (o === "recover" || o === "purge" || o === "getDeleted") {
    await a.setSecret(n, value);
    await deleteAndWait(a, n);
  }
  if (o !== "restore") return { value };
  await a.setSecret(n, value);
  const blob = await a.backupSecret(n);
  await deleteAndWait(a, n);
  await a.purgeDeletedSecret(n);
  return { value, blob };
}

/** Runs the operation with the SDK; returns what an allowed call yields for the checks below. */
async function perform(c: SecretClient, o: OpName, n: string, prep: Prepared): Promise<unknown> {
  switch (o) {
    case "get":
      return (await c.getSecret(n)).value;
    case "list":
      return (await c.listPropertiesOfSecrets().byPage().next()).done === false;
    case "set":
      return (await c.setSecret(n, prep.value)).value;
    case "delete":
      return (await (await c.beginDeleteSecret(n, poll)).pollUntilDone()).name;
    case "recover":
      return (await (await c.beginRecoverDeletedSecret(n, poll)).pollUntilDone()).name;
    case "purge":
      await c.purgeDeletedSecret(n);
      return undefined;
    case "backup":
      return ((await c.backupSecret(n))?.length ?? 0) > 0;
    case "restore":
      return (await c.restoreSecretBackup(prep.blob!)).name;
    case "listDeleted":
      return (await c.listDeletedSecrets().byPage().next()).done === false;
    case "getDeleted":
      return (await c.getDeletedSecret(n)).name;
  }
}

/** What an allowed call returns (see perform). */
function expectedResult(o: OpName, n: string, prep: Prepared): unknown {
  if (o === "get" || o === "set") return prep.value;
  if (o === "list" || o === "listDeleted" || o === "backup") return true;
  if (o === "purge") return undefined;
  return n;
}

type State = "live" | "deleted" | "absent";

/** The secret's state as the admin sees it. */
async function stateOf(vault: string, n: string): Promise<State> {
  const a = admin[vault]!;
  const found = async (f: () => Promise<unknown>) =>
    f().then(
      () => true,
      (e: { statusCode?: number }) => {
        if (e.statusCode === 404) return false;
        throw e;
      },
    );
  if (await found(() => a.getSecret(n))) return "live";
  return (await found(() => a.getDeletedSecret(n))) ? "deleted" : "absent";
}

/** The secret's state after the cell: [allowed, denied]; the list operations name no secret. */
const AFTER: Record<OpName, [State, State] | undefined> = {
  get: ["live", "live"],
  list: undefined,
  set: ["live", "absent"],
  delete: ["deleted", "live"],
  recover: ["live", "deleted"],
  purge: ["absent", "deleted"],
  backup: ["live", "live"],
  restore: ["live", "absent"],
  listDeleted: undefined,
  getDeleted: ["deleted", "deleted"],
};

const caller = (p: Principal) => `appid=${p.clientId};oid=${p.principalId};iss=https://sts.windows.net/${lab.tenantId}/`;

/**
 * Key Vault's 403 under RBAC, verbatim [V] (piyushsachdeva/Terraform_AKS#2; hashicorp/terraform-provider-azurerm#27817;
 * reference §3.3): the action, and the target scope in lower case.
 */
function rbacDenial(p: Principal, o: OpSpec, n: string): object {
  const resource = `${vaultId(V_RBAC)}${o.onSecret ? `/secrets/${n}` : ""}`.toLowerCase();
  const message =
    "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n" +
    `Caller: ${caller(p)}\r\nAction: '${o.dataAction}'\r\nResource: '${resource}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\n` +
    `DecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: ${V_RBAC};location=${LOC}\r\n`;
  return { code: "Forbidden", message, innererror: { code: "ForbiddenByRbac" } };
}

/** Key Vault's 403 under access policies [V] (reference §3.3): the permission the operation needs. */
function policyDenial(p: Principal, o: OpSpec): object {
  const message =
    `The user, group or application '${caller(p)}' does not have secrets ${o.permission} permission on key vault '${V_POLICY};location=${LOC}'. ` +
    "For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287";
  return { code: "Forbidden", message, innererror: { code: "AccessDenied" } };
}

function errorOf(body: string): object | undefined {
  try {
    const e = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown; innererror?: unknown } }).error;
    return e ? { code: e.code, message: e.message, innererror: e.innererror } : undefined;
  } catch {
    return undefined;
  }
}

interface Cell {
  vault: string;
  p: Principal;
  what: string;
  o: OpSpec;
  allowed: boolean;
  denial: object;
}

/** Prepares, runs and checks one cell; returns what differs from Azure's answer (nothing when it matches). */
async function runCell(c: Cell, n: string): Promise<string[]> {
  const { o, p } = c;
  const prep = await prepare(c.vault, o.name, n);
  p.log.length = 0;
  let result: unknown;
  let thrown: { statusCode?: number } | undefined;
  try {
    result = await perform(p.client, o.name, n, prep);
  } catch (e) {
    thrown = e as { statusCode?: number };
  }
  const problems: string[] = [];
  const x = p.log.find((e) => e.method === o.method && e.path === o.path(n));
  for (const e of p.log) if (e.status >= 500) problems.push(`${e.method} ${e.path} answered ${e.status}`);
  if (!x) return [...problems, `no ${o.method} ${o.path(n)} was sent (${p.log.map((e) => `${e.method} ${e.path}`).join(", ")})`];
  if (c.allowed) {
    if (x.status !== o.status || thrown) problems.push(`allowed, yet ${x.status} ${x.body.slice(0, 200)}`);
    else if (result !== expectedResult(o.name, n, prep)) problems.push(`allowed, returned ${String(result)}`);
  } else {
    if (x.status !== 403 || thrown?.statusCode !== 403) problems.push(`denied, yet ${x.status}`);
    else if (JSON.stringify(errorOf(x.body)) !== JSON.stringify(c.denial)) problems.push(`denied with ${x.body}, expected ${JSON.stringify({ error: c.denial })}`);
  }
  const after = AFTER[o.name]?.[c.allowed ? 0 : 1];
  const state = after ? await stateOf(c.vault, n) : undefined;
  if (after && state !== after) problems.push(`the secret is ${state} afterwards, expected ${after}`);
  return problems.map((m) => `${c.what} × ${o.name} (${c.allowed ? "allowed" : "denied"}): ${m}`);
}

/** Each principal's cells run in turn; the principals run side by side. */
async function runMatrix(cells: Cell[]): Promise<string[]> {
  const byPrincipal = new Map<Principal, Cell[]>();
  for (const c of cells) byPrincipal.set(c.p, [...(byPrincipal.get(c.p) ?? []), c]);
  const out = await Promise.all([...byPrincipal.entries()].map(async ([p, list]) => {
    const problems: string[] = [];
    for (const c of list) problems.push(...(await runCell(c, `${p.label}-${c.o.name}`)));
    return problems;
  }));
  return out.flat();
}

const mark = (allowed: boolean) => (allowed ? "Y" : ".");

test("the lab publishes the Key Vault roles' documented dataActions, and no other role has any", () => {
  for (const name of Object.keys(PUBLISHED)) assert.ok(roles.some((r) => r.roleName === name), `the lab lacks the built-in role ${name}`);
  for (const r of roles) {
    assert.deepEqual([...r.dataActions].sort(), [...(PUBLISHED[r.roleName] ?? [])].sort(), `${r.roleName}'s dataActions`);
    assert.deepEqual(r.notDataActions, [], `${r.roleName}'s notDataActions`);
  }
  const secretRoles = roles.filter((r) => OPS.some((o) => roleAllows(r, o.dataAction))).map((r) => r.roleName);
  assert.deepEqual(secretRoles.sort(), ["Key Vault Administrator", "Key Vault Certificate User", "Key Vault Reader", "Key Vault Secrets Officer", "Key Vault Secrets User"]);
});

test("RBAC: every built-in role × every secret operation answers as Azure does", async (t) => {
  const cells: Cell[] = rolePrincipals.flatMap(({ role, p }) =>
    OPS.map((o) => ({ vault: V_RBAC, p, what: role.roleName, o, allowed: roleAllows(role, o.dataAction), denial: {} })),
  );
  for (const c of cells) if (!c.allowed) c.denial = rbacDenial(c.p, c.o, `${c.p.label}-${c.o.name}`);
  const secretRoles = rolePrincipals.filter(({ role }) => OPS.some((o) => roleAllows(role, o.dataAction))).length;
  t.diagnostic(
    `# RBAC matrix: ${rolePrincipals.length} built-in roles (${secretRoles} with a data action on secrets) × ${OPS.length} operations = ${cells.length} cells, ${cells.filter((c) => c.allowed).length} allowed`,
  );
  t.diagnostic(`# ops: ${OPS.map((o) => o.name).join(" ")}`);
  for (const { role } of rolePrincipals) t.diagnostic(`# ${OPS.map((o) => mark(roleAllows(role, o.dataAction))).join("")} ${role.roleName}`);
  assert.deepEqual(await runMatrix(cells), []);
});

test("access policies: every permission set × every secret operation answers as Azure does", async (t) => {
  const cells: Cell[] = policyPrincipals.flatMap(({ perms, p }) =>
    OPS.map((o) => ({ vault: V_POLICY, p, what: `policy [${perms.join(",")}]`, o, allowed: perms.includes(o.permission), denial: policyDenial(p, o) })),
  );
  t.diagnostic(`# access-policy matrix: ${policyPrincipals.length} permission sets × ${OPS.length} operations = ${cells.length} cells, ${cells.filter((c) => c.allowed).length} allowed`);
  for (const { perms } of policyPrincipals) t.diagnostic(`# ${OPS.map((o) => mark(perms.includes(o.permission))).join("")} [${perms.join(",")}]`);
  assert.deepEqual(await runMatrix(cells), []);
});
