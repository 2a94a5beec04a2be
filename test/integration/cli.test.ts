import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startLab, type Lab } from "../../src/index.js";

// The article's commands, translated from its PowerShell variables to bash, run through the real binary
// (as `az` via the shim, and as `wilab`) against an in-process lab.
const root = resolve(fileURLToPath(new URL("../../../", import.meta.url)));
const AZ = join(root, "bin", "az");
const WILAB = join(root, "bin", "wilab");

let lab: Lab;
let home: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, WILAB_HOME: home, ...extraEnv }, cwd: root }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

const az = (...args: string[]) => run(AZ, args);
const wilab = (...args: string[]) => run(WILAB, args);

/** `$(az ... -o tsv)`: the command must succeed and print exactly one line. */
async function tsv(...args: string[]): Promise<string> {
  const r = await az(...args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^[^\n]*\n$/, `one line expected, got ${JSON.stringify(r.stdout)}`);
  return r.stdout.trimEnd();
}

function json(r: Run): Record<string, unknown> {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const AZSubscriptionID = () => lab.subscriptionId;
const Location = "westeurope";
const resource_group_name = "myResourceGroup";
const SERVICE_ACCOUNT_NAMESPACE = "default";
const SERVICE_ACCOUNT_NAME = "workload-identity-sa";
const FedIdCredentialName = "myFedIdentity";
const MSIName = "myIdentity";
const KVName = "KV-workload-id";
const KVSecretName = "KV-secret";
const SERVICE_ACCOUNT_ISSUER = "https://oidcdiscovery-westeurope-endpoint-1111111111111111.000.azurefd.net/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/";

let MSIId = "";
let MSIPrincipalId = "";
let KVId = "";

before(async () => {
  home = mkdtempSync(join(tmpdir(), "wilab-cli-"));
  const caDir = process.env.WILAB_TEST_CA_DIR;
  if (!caDir) throw new Error("WILAB_TEST_CA_DIR is not set: run the tests with scripts/run-tests.mjs");
  lab = await startLab({ memory: true, port: 0, caDir, dataDir: home, recordEndpoints: true });
});

after(async () => {
  await lab.stop();
  rmSync(home, { recursive: true, force: true });
});

test("before login: a command asks for az login, exit 1", async () => {
  const r = await az("group", "list");
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "ERROR: Please run 'az login' to setup account.\n");
});

test("az login signs in as the lab admin user without a prompt; az account set -s selects the subscription", async () => {
  const r = await az("login");
  assert.equal(r.code, 0, r.stderr);
  const subs = JSON.parse(r.stdout) as { id: string; isDefault: boolean; tenantId: string; user: { name: string; type: string }; cloudName: string }[];
  assert.equal(subs.length, 1);
  assert.equal(subs[0]!.id, lab.subscriptionId);
  assert.equal(subs[0]!.tenantId, lab.tenantId);
  assert.equal(subs[0]!.cloudName, "AzureCloud");
  assert.deepEqual(subs[0]!.user, { name: lab.admin.userPrincipalName, type: "user" });
  const set = await az("account", "set", "-s", AZSubscriptionID());
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, "");
  const show = json(await az("account", "show"));
  assert.equal(show.id, lab.subscriptionId);
  assert.equal(show.environmentName, "AzureCloud");
  assert.equal(show.isDefault, true);
  assert.equal(await tsv("account", "show", "--query", "user.type", "-o", "tsv"), "user");
});

test("az group create prints the article's shape", async () => {
  const g = json(await az("group", "create", "--name", resource_group_name, "--location", Location));
  assert.deepEqual(Object.keys(g), ["id", "location", "managedBy", "name", "properties", "tags", "type"]);
  assert.equal(g.id, `/subscriptions/${lab.subscriptionId}/resourceGroups/${resource_group_name}`);
  assert.equal(g.location, "westeurope");
  assert.equal(g.managedBy, null);
  assert.equal(g.name, resource_group_name);
  assert.deepEqual(g.properties, { provisioningState: "Succeeded" });
  assert.equal(g.tags, null);
  assert.equal(await tsv("group", "exists", "-n", resource_group_name, "-o", "tsv"), "true");
  assert.equal(await tsv("group", "exists", "-n", "nope", "-o", "tsv"), "false");
});

test("errors: a missing required argument prints argparse's message and exits 2", async () => {
  const r = await az("group", "create", "--location", Location);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^ERROR: the following arguments are required: --name\/-n\/--resource-group\/-g\n/);
  assert.equal(r.stdout, "");
  const i = await az("identity", "create", "--resource-group", resource_group_name);
  assert.equal(i.code, 2);
  assert.match(i.stderr, /^ERROR: the following arguments are required: --name\/-n\n/);
  assert.match(i.stderr, /Examples from command's help:\naz identity create/);
});

test("errors: an unknown resource group prints the ARM error as az does and exits 3", async () => {
  const r = await az("identity", "show", "--resource-group", "no-such-rg", "--name", MSIName);
  assert.equal(r.code, 3);
  assert.ok(
    r.stderr.startsWith("ERROR: (ResourceGroupNotFound) Resource group 'no-such-rg' could not be found.\nCode: ResourceGroupNotFound\nMessage: Resource group 'no-such-rg' could not be found.\n"),
    r.stderr,
  );
  const g = await az("group", "show", "-n", "no-such-rg");
  assert.equal(g.code, 3);
  assert.match(g.stderr, /^ERROR: \(ResourceGroupNotFound\) /);
});

test("az identity create/show: flattened with resourceGroup; --query clientId -o tsv feeds the next step", async () => {
  const created = json(await az("identity", "create", "--name", MSIName, "--resource-group", resource_group_name, "--location", Location, "--subscription", AZSubscriptionID()));
  for (const k of ["clientId", "id", "location", "name", "principalId", "resourceGroup", "tenantId", "type"]) assert.ok(k in created, `identity create lacks ${k}`);
  assert.equal(created.resourceGroup, resource_group_name);
  assert.equal(created.tenantId, lab.tenantId);
  assert.equal("properties" in created, false);
  MSIId = await tsv("identity", "show", "--resource-group", resource_group_name, "--name", MSIName, "--query", "clientId", "--output", "tsv");
  MSIPrincipalId = await tsv("identity", "show", "--resource-group", resource_group_name, "--name", MSIName, "--query", "principalId", "--output", "tsv");
  assert.equal(MSIId, created.clientId);
  assert.equal(MSIPrincipalId, created.principalId);
  // --ids takes the id az printed.
  const byId = json(await az("identity", "show", "--ids", String(created.id)));
  assert.equal(byId.clientId, MSIId);
});

test("errors: an unknown identity prints ResourceNotFound and exits 3", async () => {
  const r = await az("identity", "show", "--resource-group", resource_group_name, "--name", "nobody");
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^ERROR: \(ResourceNotFound\) The Resource 'Microsoft\.ManagedIdentity\/userAssignedIdentities\/nobody' under resource group 'myResourceGroup' was not found\./);
  assert.match(r.stderr, /\nCode: ResourceNotFound\nMessage: The Resource /);
});

test("az identity federated-credential create/show: audiences default to api://AzureADTokenExchange", async () => {
  const subject = `system:serviceaccount:${SERVICE_ACCOUNT_NAMESPACE}:${SERVICE_ACCOUNT_NAME}`;
  const c = json(
    await az("identity", "federated-credential", "create", "--name", FedIdCredentialName, "--identity-name", MSIName, "--resource-group", resource_group_name, "--issuer", SERVICE_ACCOUNT_ISSUER, "--subject", subject),
  );
  assert.deepEqual(c.audiences, ["api://AzureADTokenExchange"]);
  const s = json(await az("identity", "federated-credential", "show", "--name", FedIdCredentialName, "--resource-group", resource_group_name, "--identity-name", MSIName));
  assert.equal(s.issuer, SERVICE_ACCOUNT_ISSUER);
  assert.equal(s.subject, subject);
  assert.equal(s.name, FedIdCredentialName);
  assert.equal(s.resourceGroup, resource_group_name);
  assert.equal(s.type, "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials");
  const list = await az("identity", "federated-credential", "list", "--identity-name", MSIName, "-g", resource_group_name, "--query", "[].name", "-o", "tsv");
  assert.equal(list.stdout, `${FedIdCredentialName}\n`);
});

test("az keyvault create with purge protection and RBAC; keyvault show is not flattened", async () => {
  const v = json(await az("keyvault", "create", "--name", KVName, "--resource-group", resource_group_name, "--location", Location, "--enable-purge-protection", "--enable-rbac-authorization"));
  const p = v.properties as Record<string, unknown>;
  assert.equal(p.enablePurgeProtection, true);
  assert.equal(p.enableRbacAuthorization, true);
  assert.equal(p.enableSoftDelete, true);
  KVId = await tsv("keyvault", "show", "--resource-group", resource_group_name, "--name", KVName, "--query", "id", "--output", "tsv");
  assert.equal(KVId, `/subscriptions/${lab.subscriptionId}/resourceGroups/${resource_group_name}/providers/Microsoft.KeyVault/vaults/${KVName}`);
  const shown = json(await az("keyvault", "show", "--name", KVName));
  assert.equal("vaultUri" in shown, false);
  assert.equal(shown.resourceGroup, resource_group_name);
  const uri = await tsv("keyvault", "show", "--resource-group", resource_group_name, "--name", KVName, "--query", "properties.vaultUri", "--output", "tsv");
  assert.equal(uri, lab.vaultUrl(KVName));
});

test("the article's slip: Secrets Officer goes to the identity, so `keyvault secret set` as yourself gets az's 403", async () => {
  const ra = json(await az("role", "assignment", "create", "--assignee-object-id", MSIPrincipalId, "--role", "Key Vault Secrets Officer", "--scope", KVId, "--assignee-principal-type", "ServicePrincipal"));
  assert.equal(ra.principalId, MSIPrincipalId);
  assert.equal(ra.principalType, "ServicePrincipal");
  assert.equal(ra.scope, KVId);
  assert.equal(ra.roleDefinitionId, `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/b86a8fe4-44ce-4948-aee5-eccb2c155cd7`);
  const r = await az("keyvault", "secret", "set", "--vault-name", KVName, "--name", KVSecretName, "--value", "Hello!");
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^ERROR: \(Forbidden\) Caller is not authorized to perform action on resource\./);
  assert.match(r.stderr, /\nCode: Forbidden\nMessage: Caller is not authorized to perform action on resource\./);
  assert.match(r.stderr, /Action: 'Microsoft\.KeyVault\/vaults\/secrets\/setSecret\/action'/);
  assert.match(r.stderr, /\nInner error: \{\n {4}"code": "ForbiddenByRbac"\n\}\n/);
});

test("the fix: Secrets Officer to the signed-in user, then the secret is set and read back", async () => {
  const me = await tsv("ad", "signed-in-user", "show", "--query", "id", "-o", "tsv");
  assert.equal(me, lab.admin.userObjectId);
  const ra = json(await az("role", "assignment", "create", "--assignee", me, "--role", "Key Vault Secrets Officer", "--scope", KVId));
  assert.equal(ra.principalType, "User");
  const set = json(await az("keyvault", "secret", "set", "--vault-name", KVName, "--name", KVSecretName, "--value", "Hello!"));
  assert.equal(set.value, "Hello!");
  assert.equal(set.name, KVSecretName);
  assert.match(String(set.id), new RegExp(`^${lab.vaultUrl(KVName)}secrets/${KVSecretName}/[0-9a-f]{32}$`));
  assert.equal(await tsv("keyvault", "secret", "show", "--vault-name", KVName, "--name", KVSecretName, "--query", "value", "-o", "tsv"), "Hello!");
  const users = json(await az("role", "assignment", "create", "--assignee-object-id", MSIPrincipalId, "--role", "Key Vault Secrets User", "--scope", KVId, "--assignee-principal-type", "ServicePrincipal"));
  assert.equal(users.principalId, MSIPrincipalId);
  const names = await az("role", "assignment", "list", "--scope", KVId, "--query", "[].roleDefinitionName", "-o", "tsv");
  assert.deepEqual(names.stdout.trim().split("\n").sort(), ["Key Vault Secrets Officer", "Key Vault Secrets Officer", "Key Vault Secrets User"]);
});

test("output formats and --query errors", async () => {
  const table = await az("group", "list", "-o", "table");
  assert.equal(table.code, 0, table.stderr);
  // The lab's own wilab-infra group (custom location, logical network) is listed too, as an admin's groups would be.
  assert.match(table.stdout, /^Name +Location +Status\n-+ +-+ +-+\nmyResourceGroup +westeurope +Succeeded\nwilab-infra +westeurope +Succeeded\n$/);
  const yaml = await az("group", "show", "-n", resource_group_name, "-o", "yaml");
  assert.match(yaml.stdout, /^id: \/subscriptions\/.*\nlocation: westeurope\nmanagedBy: null\nname: myResourceGroup\nproperties:\n {2}provisioningState: Succeeded\n/);
  const none = await az("group", "show", "-n", resource_group_name, "-o", "none");
  assert.equal(none.stdout, "");
  const bad = await az("group", "show", "-n", resource_group_name, "--query", "[");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^ERROR: argument --query: invalid jmespath_type value: '\['\n/);
  const help = await az("identity", "create", "-h");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /az identity create : Create an identity\./);
  assert.match(help.stdout, /--name -n \[Required\]/);
  assert.match(help.stdout, /Examples/);
});

test("wilab answers the same commands as az; lab commands: version, status, clock", async () => {
  assert.equal((await run(WILAB, ["identity", "show", "-g", resource_group_name, "-n", MSIName, "--query", "clientId", "-o", "tsv"])).stdout, `${MSIId}\n`);
  const v = json(await wilab("version"));
  assert.equal(typeof v.wilab, "string");
  const st = json(await wilab("status"));
  assert.equal(st.tenantId, lab.tenantId);
  const before = json(await wilab("clock", "show"));
  const advanced = json(await wilab("clock", "advance", "2h"));
  assert.ok(Date.parse(String(advanced.now)) - Date.parse(String(before.now)) >= 2 * 3600_000);
  // The cached token expired in lab time: the CLI signs in again by itself.
  assert.equal(await tsv("identity", "show", "-g", resource_group_name, "-n", MSIName, "--query", "clientId", "-o", "tsv"), MSIId);
  const reset = json(await wilab("clock", "reset"));
  assert.equal(reset.offsetMs, 0);
});

test("keyvault delete / recover and secret delete / recover", async () => {
  const del = json(await az("keyvault", "secret", "delete", "--vault-name", KVName, "--name", KVSecretName));
  assert.equal(del.name, KVSecretName);
  assert.match(String(del.recoveryId), /\/deletedsecrets\/KV-secret$/i);
  const rec = json(await az("keyvault", "secret", "recover", "--vault-name", KVName, "--name", KVSecretName));
  assert.equal(rec.name, KVSecretName);
  const gone = await az("keyvault", "delete", "--name", KVName, "--resource-group", resource_group_name);
  assert.equal(gone.code, 0, gone.stderr);
  const missing = await az("keyvault", "show", "--name", KVName, "--resource-group", resource_group_name);
  assert.equal(missing.code, 3);
  const deleted = await az("keyvault", "list-deleted", "--query", "[].name", "-o", "tsv");
  assert.equal(deleted.stdout, `${KVName}\n`);
  const purge = await az("keyvault", "purge", "--name", KVName);
  assert.equal(purge.code, 1, "purge protection forbids the purge");
  assert.match(purge.stderr, /^ERROR: \(/);
  const back = json(await az("keyvault", "recover", "--name", KVName));
  assert.equal(back.name, KVName);
});

test("service principal login, get-access-token, logout", async () => {
  const sp = await az("login", "--service-principal", "-u", lab.admin.clientId, "-p", lab.admin.clientSecret, "--tenant", lab.tenantId);
  assert.equal(sp.code, 0, sp.stderr);
  assert.equal(await tsv("account", "show", "--query", "user.type", "-o", "tsv"), "servicePrincipal");
  const t = json(await az("account", "get-access-token"));
  assert.equal(t.tokenType, "Bearer");
  assert.equal(t.subscription, lab.subscriptionId);
  assert.equal(typeof t.expires_on, "number");
  const out = await az("logout");
  assert.equal(out.code, 0, out.stderr);
  assert.equal((await az("account", "show")).code, 1);
});

test("wilab image map|list|unmap: arguments after -- are the command, verbatim", async () => {
  assert.equal((await wilab("login", "--output", "none")).code, 0);
  const mapped = await wilab("image", "map", "myregistry.azurecr.io/app", "--", "node", "-e", "console.log('hi')", "--flag");
  assert.equal(mapped.code, 0, mapped.stderr);
  assert.deepEqual((JSON.parse(mapped.stdout) as { command: string[] }).command, ["node", "-e", "console.log('hi')", "--flag"]);
  const listed = JSON.parse((await wilab("image", "list")).stdout) as { image: string; builtin: boolean }[];
  assert.ok(listed.some((m) => m.image === "myregistry.azurecr.io/app" && !m.builtin));
  assert.ok(listed.some((m) => m.image.startsWith("ghcr.io/azure/azure-workload-identity/msal-go") && m.builtin));
  assert.equal((await wilab("image", "unmap", "myregistry.azurecr.io/app")).code, 0);
  const again = await wilab("image", "unmap", "myregistry.azurecr.io/app");
  assert.notEqual(again.code, 0);
  const none = await wilab("image", "map", "busybox");
  assert.equal(none.code, 2);
  assert.match(none.stderr, /a command is required/);
});
