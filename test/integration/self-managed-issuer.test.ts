// Issue 11, self-managed clusters: the test plays a kind/k3s/kubeadm cluster whose API server signs
// service-account tokens with its own RSA key (kube-apiserver's claims and kid). `wilab oidc-issuer create`
// (the CLI binary) publishes the key; the real ClientAssertionCredential exchanges such a token and reads a
// secret. After a rotation (`update --public-key`, later `--remove-kid`) tokens from the new key work, and
// once Entra's key cache has expired the dropped key's tokens get AADSTS7000272. Deleting the issuer gives
// AADSTS50166.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash, generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import { ClientAssertionCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { startLab, type Lab } from "../../src/index.js";
import { adminCredential, armClientOptions } from "../helpers/lab.js";

const root = resolve(fileURLToPath(new URL("../../../", import.meta.url)));
const WILAB = join(root, "bin", "wilab");
const SUBJECT = "system:serviceaccount:default:app";
let lab: Lab;
let home: string;
let clientId: string;
let issuer: string;

function wilab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [WILAB, ...args], { env: { ...process.env, WILAB_HOME: home }, cwd: root }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function clusterKey(name: string): { key: KeyObject; kid: string; file: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const file = join(home, `${name}.pub`);
  writeFileSync(file, publicKey.export({ type: "spki", format: "pem" }));
  return { key: privateKey, kid: createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("base64url"), file };
}

/** A service-account token as kube-apiserver signs it for a projected volume with the Entra audience. */
function saToken(k: { key: KeyObject; kid: string }): Promise<string> {
  const iat = Math.floor(lab.ctx.clock.now() / 1000);
  return new SignJWT({
    aud: ["api://AzureADTokenExchange"],
    iss: issuer,
    sub: SUBJECT,
    jti: randomUUID(),
    "kubernetes.io": { namespace: "default", pod: { name: "app-0", uid: randomUUID() }, serviceaccount: { name: "app", uid: randomUUID() } },
  })
    .setProtectedHeader({ alg: "RS256", kid: k.kid })
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + 3600)
    .sign(k.key);
}

async function exchangeCode(assertion: string): Promise<number | undefined> {
  const r = await fetch(`${lab.url}/${lab.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, scope: "https://vault.azure.net/.default", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: assertion }).toString(),
  });
  return r.status === 200 ? undefined : ((await r.json()) as { error_codes: number[] }).error_codes[0];
}

async function readSecret(k: { key: KeyObject; kid: string }): Promise<string | undefined> {
  const cred = new ClientAssertionCredential(lab.tenantId, clientId, () => saToken(k), { authorityHost: lab.authorityHost, disableInstanceDiscovery: true });
  return (await new SecretClient(lab.vaultUrl("kv-selfmanaged"), cred).getSecret("app-secret")).value;
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), "wilab-selfmanaged-"));
  const caDir = process.env.WILAB_TEST_CA_DIR;
  if (!caDir) throw new Error("WILAB_TEST_CA_DIR is not set: run the tests with scripts/run-tests.mjs");
  lab = await startLab({ memory: true, port: 0, caDir, dataDir: home, recordEndpoints: true });
  const login = await wilab("login", "--output", "none");
  assert.equal(login.code, 0, login.stderr);
});
after(async () => {
  await lab?.stop();
  rmSync(home, { recursive: true, force: true });
});

test("a self-managed cluster's key published with `wilab oidc-issuer create`: the real SDK exchanges its token and reads a secret; rotation; delete", async () => {
  const first = clusterKey("sa");
  const created = await wilab("oidc-issuer", "create", "--name", "kind-one", "--public-key", first.file);
  assert.equal(created.code, 0, created.stderr);
  const shown = JSON.parse(created.stdout) as { issuer: string; kids: string[]; kubeApiServerFlags: string[] };
  issuer = shown.issuer;
  assert.equal(issuer, `${lab.url}/oidc-issuers/kind-one/`);
  assert.deepEqual(shown.kids, [first.kid]);
  assert.ok(shown.kubeApiServerFlags.includes(`--service-account-issuer=${issuer}`));
  const discovery = (await (await fetch(`${issuer}.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
  assert.equal(discovery.issuer, issuer);
  assert.deepEqual(((await (await fetch(discovery.jwks_uri)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid), [first.kid]);

  const cred = adminCredential(lab);
  const o = armClientOptions(lab);
  await new ResourceManagementClient(cred, lab.subscriptionId, o).resourceGroups.createOrUpdate("rg-sm", { location: "westeurope" });
  const msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, o);
  const id = await msi.userAssignedIdentities.createOrUpdate("rg-sm", "app-id", { location: "westeurope" });
  clientId = id.clientId!;
  await msi.federatedIdentityCredentials.createOrUpdate("rg-sm", "app-id", "kind-one-app", { issuer, subject: SUBJECT, audiences: ["api://AzureADTokenExchange"] });
  const v = await new KeyVaultManagementClient(cred, lab.subscriptionId, o).vaults.beginCreateOrUpdateAndWait("rg-sm", "kv-selfmanaged", {
    location: "westeurope",
    properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
  });
  const authz = new AuthorizationManagementClient(cred, lab.subscriptionId, o);
  const role = (g: string) => `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${g}`;
  await authz.roleAssignments.create(v.id!, randomUUID(), { roleDefinitionId: role("b86a8fe4-44ce-4948-aee5-eccb2c155cd7"), principalId: lab.admin.objectId, principalType: "ServicePrincipal" });
  await authz.roleAssignments.create(v.id!, randomUUID(), { roleDefinitionId: role("4633458b-17de-408a-b874-0445c86b69e6"), principalId: id.principalId!, principalType: "ServicePrincipal" });
  await new SecretClient(lab.vaultUrl("kv-selfmanaged"), cred).setSecret("app-secret", "from-a-self-managed-cluster");

  assert.equal(await readSecret(first), "from-a-self-managed-cluster");

  // Rotation, as kube-apiserver does it: publish the new key next to the old one, sign with the new one.
  const second = clusterKey("sa-2");
  assert.equal((await wilab("oidc-issuer", "update", "--name", "kind-one", "--public-key", second.file)).code, 0);
  assert.equal(await readSecret(second), "from-a-self-managed-cluster");
  const dropped = await wilab("oidc-issuer", "update", "--name", "kind-one", "--remove-kid", first.kid);
  assert.equal(dropped.code, 0, dropped.stderr);
  assert.deepEqual((JSON.parse(dropped.stdout) as { kids: string[] }).kids, [second.kid]);
  lab.ctx.clock.advance(25 * 3_600_000); // past Entra's key cache
  assert.equal(await exchangeCode(await saToken(first)), 7000272);
  assert.equal(await readSecret(second), "from-a-self-managed-cluster");

  const list = await wilab("oidc-issuer", "list", "-o", "table");
  assert.match(list.stdout, /kind-one/);
  const bad = await wilab("oidc-issuer", "create", "--name", "Bad_Name", "--public-key", second.file);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /the issuer name 'Bad_Name' is invalid/);
  assert.equal((await wilab("oidc-issuer", "delete", "--name", "kind-one")).code, 0);
  lab.ctx.clock.advance(25 * 3_600_000);
  assert.equal(await exchangeCode(await saToken(second)), 50166);
});
