// Issue 11, issuer trust: an OIDC issuer served over HTTPS with a certificate from a private CA (not the lab's,
// not a public root), as a CI system's or a corporate test issuer is. Trusted through `startLab({ trustCa })`
// (`wilab up --trust-ca`) and, separately, through the NODE_EXTRA_CA_CERTS file the lab was started with, the
// real ClientAssertionCredential exchanges its assertions and reads a secret, and every AADSTS case of the
// federated exchange is still answered. Untrusted, the exchange gets AADSTS50166 with the TLS cause named.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { ClientAssertionCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import type { Lab } from "../../src/index.js";
import { LabCa } from "../../src/platform/index.js";
import { adminCredential, armClientOptions, startTestLab } from "../helpers/lab.js";
import { startTestIssuer, type TestIssuer } from "../helpers/testIssuer.js";

const SUBJECT = "repo:octo/app:ref:refs/heads/main";
const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
let dir: string;
let privateCa: LabCa;
let tls: { certPem: string; keyPem: string };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "wilab-private-ca-"));
  privateCa = await LabCa.loadOrCreate(dir);
  tls = await privateCa.issueLeaf(["localhost", "127.0.0.1"]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Federated {
  lab: Lab;
  issuer: TestIssuer;
  clientId: string;
  vault: string;
}

/** A lab, the private-CA issuer, an identity federated with it, and a vault whose secret the identity may read. */
async function federate(lab: Lab): Promise<Federated> {
  const issuer = await startTestIssuer(lab, { tls });
  const cred = adminCredential(lab);
  const opts = armClientOptions(lab);
  await new ResourceManagementClient(cred, lab.subscriptionId, opts).resourceGroups.createOrUpdate("rg-ext", { location: "westeurope" });
  const msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, opts);
  const id = await msi.userAssignedIdentities.createOrUpdate("rg-ext", "ci-id", { location: "westeurope" });
  await msi.federatedIdentityCredentials.createOrUpdate("rg-ext", "ci-id", "ci-fic", { issuer: issuer.issuer, subject: SUBJECT, audiences: ["api://AzureADTokenExchange"] });
  const vault = `kv-ext-${randomUUID().slice(0, 8)}`;
  const v = await new KeyVaultManagementClient(cred, lab.subscriptionId, opts).vaults.beginCreateOrUpdateAndWait("rg-ext", vault, {
    location: "westeurope",
    properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
  });
  const authz = new AuthorizationManagementClient(cred, lab.subscriptionId, opts);
  const role = (g: string) => `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${g}`;
  await authz.roleAssignments.create(v.id!, randomUUID(), { roleDefinitionId: role(SECRETS_OFFICER), principalId: lab.admin.objectId, principalType: "ServicePrincipal" });
  await authz.roleAssignments.create(v.id!, randomUUID(), { roleDefinitionId: role(SECRETS_USER), principalId: id.principalId!, principalType: "ServicePrincipal" });
  await new SecretClient(lab.vaultUrl(vault), cred).setSecret("ci-secret", "from-a-private-ca-issuer");
  return { lab, issuer, clientId: id.clientId!, vault };
}

async function readSecret(f: Federated): Promise<string | undefined> {
  const cred = new ClientAssertionCredential(f.lab.tenantId, f.clientId, () => f.issuer.sign({ sub: SUBJECT }), { authorityHost: f.lab.authorityHost, disableInstanceDiscovery: true });
  return (await new SecretClient(f.lab.vaultUrl(f.vault), cred).getSecret("ci-secret")).value;
}

async function exchange(f: Federated, assertion: string): Promise<{ status: number; code?: number; hint?: string }> {
  const r = await fetch(`${f.lab.url}/${f.lab.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: f.clientId, scope: "https://vault.azure.net/.default", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: assertion }).toString(),
  });
  const body = (await r.json()) as { error_codes?: number[] };
  return { status: r.status, code: body.error_codes?.[0], hint: r.headers.get("x-wilab-hint") ?? undefined };
}

test("untrusted: the private CA's issuer gets AADSTS50166, and the hint names the TLS cause and the ways to trust it", async () => {
  const f = await federate(await startTestLab());
  try {
    const r = await exchange(f, await f.issuer.sign({ sub: SUBJECT }));
    assert.equal(r.status, 400);
    assert.equal(r.code, 50166);
    assert.match(r.hint ?? "", /TLS: (SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
    assert.match(r.hint ?? "", /--trust-ca/);
  } finally {
    await f.issuer.stop();
    await f.lab.stop();
  }
});

test("trusted with trustCa (wilab up --trust-ca): the real SDK reads the secret, and every federated AADSTS case is still answered", async () => {
  const f = await federate(await startTestLab({ trustCa: [join(dir, "ca.crt")] }));
  try {
    assert.equal(await readSecret(f), "from-a-private-ca-issuer");
    const now = Math.floor(f.lab.ctx.clock.now() / 1000);
    const cases: [what: string, assertion: Promise<string>, code: number][] = [
      ["subject", f.issuer.sign({ sub: "repo:octo/app:ref:refs/heads/other" }), 700213],
      ["audience", f.issuer.sign({ sub: SUBJECT, aud: ["api://Other"] }), 700212],
      ["issuer", f.issuer.sign({ sub: SUBJECT, iss: "https://elsewhere.example" }), 700211],
      ["expiry", f.issuer.sign({ sub: SUBJECT }, { iat: now - 7200, lifetimeS: 3600 }), 700024],
      ["lifetime", f.issuer.sign({ sub: SUBJECT }, { lifetimeS: 2 * 86_400 }), 70023],
      ["kid", f.issuer.sign({ sub: SUBJECT }, { kid: "not-published" }), 7000272],
    ];
    for (const [what, assertion, code] of cases) assert.equal((await exchange(f, await assertion)).code, code, what);
  } finally {
    await f.issuer.stop();
    await f.lab.stop();
  }
});

test("trusted through the NODE_EXTRA_CA_CERTS file the lab starts with: the real SDK reads the secret", async () => {
  const bundle = join(dir, "extra-bundle.pem");
  const before = process.env.NODE_EXTRA_CA_CERTS;
  writeFileSync(bundle, `${before ? readFileSync(before, "utf8") : ""}\n${readFileSync(join(dir, "ca.crt"), "utf8")}`);
  process.env.NODE_EXTRA_CA_CERTS = bundle; // as a user sets it before `wilab up`
  let lab: Lab;
  try {
    lab = await startTestLab();
  } finally {
    if (before === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = before;
  }
  const f = await federate(lab);
  try {
    assert.equal(await readSecret(f), "from-a-private-ca-issuer");
  } finally {
    await f.issuer.stop();
    await f.lab.stop();
  }
});

test("--trust-ca files are checked at start-up: a missing file or one without a certificate stops the lab with a clear error", async () => {
  const empty = join(dir, "empty.pem");
  writeFileSync(empty, "not a certificate\n");
  await assert.rejects(startTestLab({ trustCa: [join(dir, "missing.pem")] }), /--trust-ca .*missing\.pem: ENOENT/);
  await assert.rejects(startTestLab({ trustCa: [empty] }), /--trust-ca .*empty\.pem: no PEM certificate/);
});
