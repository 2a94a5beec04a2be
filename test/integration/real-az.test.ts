// Issue 11, the real az CLI (Debian's azure-cli 2.45, which .ci/run installs) against a local-mode lab: the
// cloud registered as `wilab az-cloud --register` does it, `az login -u/-p` (the article logs in interactively),
// then the article's steps with az's own commands where Debian's az works, and `az rest` where its packaging
// crashes (`keyvault secret`, `role`) or where the command comes from an extension (`aksarc`). Each command's
// output is checked. Runs only where /usr/bin/az exists.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startLab, type Lab } from "../../src/index.js";
import { portUnavailable } from "../helpers/ports.js";

const AZ = "/usr/bin/az";
const root = resolve(fileURLToPath(new URL("../../../", import.meta.url)));
const WILAB = join(root, "bin", "wilab");
const skip = existsSync(AZ) ? false : "Debian's azure-cli is not installed (apt-get install azure-cli; .ci/run does)";
let lab: Lab;
let home: string;
let env: NodeJS.ProcessEnv;

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, args, { env, cwd: root, timeout: 120_000 }, (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

/** A real az command that must succeed; its stdout. */
async function az(...args: string[]): Promise<string> {
  const r = await run(AZ, args);
  assert.equal(r.code, 0, `az ${args.join(" ")}\n${r.stderr}`);
  return r.stdout.trim();
}

before(async () => {
  if (skip) return;
  home = mkdtempSync(join(tmpdir(), "wilab-real-az-"));
  const caDir = process.env.WILAB_TEST_CA_DIR;
  if (!caDir) throw new Error("WILAB_TEST_CA_DIR is not set: run the tests with scripts/run-tests.mjs");
  lab = await startLab({ memory: true, port: 0, caDir, dataDir: join(home, "wilab"), recordEndpoints: true });
  env = { ...process.env, WILAB_HOME: join(home, "wilab"), AZURE_CONFIG_DIR: join(home, "azure"), REQUESTS_CA_BUNDLE: lab.caCertPath, PATH: `/usr/bin:${process.env.PATH ?? "/bin"}`, AZURE_CORE_COLLECT_TELEMETRY: "false" };
});
after(async () => {
  await lab?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** The article's az steps (its PowerShell variables as literals), each output checked; `arm` is the ARM origin az rest calls. */
async function articleSteps(lab: Lab, arm: string): Promise<{ clientId: string; cc: string }> {
  // The article's resources (its PowerShell variables as literals).
  assert.equal(await az("group", "create", "--name", "myResourceGroup", "--location", "westeurope", "--query", "properties.provisioningState", "-o", "tsv"), "Succeeded");
  const clientId = await az("identity", "create", "--name", "myIdentity", "--resource-group", "myResourceGroup", "--query", "clientId", "-o", "tsv");
  assert.match(clientId, /^[0-9a-f-]{36}$/);
  const principalId = await az("identity", "show", "--name", "myIdentity", "--resource-group", "myResourceGroup", "--query", "principalId", "-o", "tsv");
  const cc = `/subscriptions/${lab.subscriptionId}/resourceGroups/myResourceGroup/providers/Microsoft.Kubernetes/connectedClusters/myAKSCluster`;
  const cluster = JSON.parse(await az("rest", "--method", "put", "--url", `${arm}${cc}?api-version=2024-12-01-preview`, "--body",
    JSON.stringify({ location: "westeurope", kind: "ProvisionedCluster", identity: { type: "SystemAssigned" }, properties: { agentPublicKeyCertificate: "", oidcIssuerProfile: { enabled: true }, securityProfile: { workloadIdentity: { enabled: true } } } }))) as { properties: { oidcIssuerProfile: { issuerUrl: string } } };
  const issuer = cluster.properties.oidcIssuerProfile.issuerUrl;
  assert.match(issuer, /^https:\/\//);
  const fic = JSON.parse(await az("identity", "federated-credential", "create", "--name", "myFedIdentity", "--identity-name", "myIdentity", "--resource-group", "myResourceGroup", "--issuer", issuer, "--subject", "system:serviceaccount:default:workload-identity-sa", "--audience", "api://AzureADTokenExchange", "-o", "json")) as { issuer: string; subject: string };
  assert.equal(fic.issuer, issuer);
  const vaultUri = await az("keyvault", "create", "--name", "KV-workload-id", "--resource-group", "myResourceGroup", "--location", "westeurope", "--enable-purge-protection", "--enable-rbac-authorization", "--query", "properties.vaultUri", "-o", "tsv");
  assert.equal(vaultUri, lab.vaultUrl("kv-workload-id").replace(/\/?$/, "/"));
  const vaultId = await az("keyvault", "show", "--name", "KV-workload-id", "--query", "id", "-o", "tsv"); // no -g: az finds it through the resource list

  // `az role assignment create` and `az keyvault secret set` crash in Debian's az: their az rest equivalents.
  const role = (guid: string) => `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
  for (const [name, guid, who, type] of [
    ["11111111-2222-4333-8444-000000000001", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7", lab.admin.userObjectId, "User"],
    ["11111111-2222-4333-8444-000000000002", "4633458b-17de-408a-b874-0445c86b69e6", principalId, "ServicePrincipal"],
  ] as const) {
    const ra = JSON.parse(await az("rest", "--method", "put", "--url", `${arm}${vaultId}/providers/Microsoft.Authorization/roleAssignments/${name}?api-version=2022-04-01`, "--body", JSON.stringify({ properties: { roleDefinitionId: role(guid), principalId: who, principalType: type } }))) as { properties: { principalId: string } };
    assert.equal(ra.properties.principalId, who);
  }
  const secret = JSON.parse(await az("rest", "--method", "put", "--url", `${vaultUri}secrets/KV-secret?api-version=7.4`, "--resource", "https://vault.azure.net", "--body", JSON.stringify({ value: "Hello!" }))) as { value: string; id: string };
  assert.equal(secret.value, "Hello!");

  return { clientId, cc };
}

test("the real az 2.45: cloud registered by wilab az-cloud, az login -u/-p, the article's steps, and the lists az reads", { skip }, async () => {
  const reg = await run(process.execPath, [WILAB, "az-cloud", "--register"]);
  assert.equal(reg.code, 0, reg.stderr);
  assert.equal(JSON.parse(await az("cloud", "show", "-o", "json")).endpoints.activeDirectory, `${lab.url}/adfs`);
  const accounts = JSON.parse(await az("login", "-u", lab.admin.userPrincipalName, "-p", lab.admin.password, "-o", "json")) as { id: string; tenantId: string; user: { name: string } }[];
  assert.equal(accounts[0]!.id, lab.subscriptionId);
  assert.equal(accounts[0]!.user.name, lab.admin.userPrincipalName);

  const { clientId, cc } = await articleSteps(lab, lab.url);

  // The lists az reads, and Microsoft Graph.
  assert.match(await az("keyvault", "list", "--query", "[].name", "-o", "tsv"), /^KV-workload-id$/im);
  assert.match(await az("resource", "list", "-g", "myResourceGroup", "--query", "[].name", "-o", "tsv"), /myAKSCluster[\s\S]*myIdentity|myIdentity[\s\S]*myAKSCluster/);
  assert.equal(await az("keyvault", "list-deleted", "-o", "tsv"), "");
  assert.equal(await az("ad", "signed-in-user", "show", "--query", "userPrincipalName", "-o", "tsv"), lab.admin.userPrincipalName);
  assert.equal(await az("ad", "sp", "show", "--id", clientId, "--query", "displayName", "-o", "tsv"), "myIdentity");
  const created = JSON.parse(await az("rest", "--method", "get", "--url", `${lab.url}${cc}?api-version=2024-01-01`, "--query", "systemData")) as { createdBy: string; createdByType: string };
  assert.deepEqual([created.createdBy, created.createdByType], [lab.admin.userPrincipalName, "User"]);
});

const root443 = process.getuid?.() === 0 ? await portUnavailable(443) : "not root";
const transparentSkip = skip || (process.getuid?.() !== 0 ? "transparent mode needs root (port 443 and /etc/hosts); CI runs as root" : root443 ? `transparent mode needs port 443: ${root443}` : false);

test("the real az 2.45 in transparent mode: the AzureCloud it ships with, az login -u/-p through user-realm discovery, the article's steps, Graph", { skip: transparentSkip }, async () => {
  const caDir = process.env.WILAB_TEST_CA_DIR!;
  const t = await startLab({ memory: true, transparent: true, port: 443, caDir, recordEndpoints: false });
  const saved = env;
  env = { ...saved, AZURE_CONFIG_DIR: join(home, "azure-transparent"), REQUESTS_CA_BUNDLE: t.caCertPath };
  try {
    const accounts = JSON.parse(await az("login", "-u", t.admin.userPrincipalName, "-p", t.admin.password, "-o", "json")) as { id: string; cloudName: string }[];
    assert.deepEqual([accounts[0]!.id, accounts[0]!.cloudName], [t.subscriptionId, "AzureCloud"]);
    await articleSteps(t, "https://management.azure.com");
    assert.match(await az("keyvault", "list", "--query", "[].name", "-o", "tsv"), /^KV-workload-id$/im);
    assert.equal(await az("ad", "signed-in-user", "show", "--query", "userPrincipalName", "-o", "tsv"), t.admin.userPrincipalName);
  } finally {
    env = saved;
    await t.stop();
  }
});
