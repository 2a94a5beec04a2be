import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, createPublicKey } from "node:crypto";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { startTestLab, adminCredential, armClientOptions } from "../helpers/lab.js";
import type { Lab } from "../../src/index.js";

let lab: Lab;
let token: string;
const API = "2024-12-01-preview";

before(async () => {
  lab = await startTestLab();
  token = (await adminCredential(lab).getToken("https://management.azure.com/.default"))!.token;
  await new ResourceManagementClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab)).resourceGroups.createOrUpdate("rg-k", { location: "westeurope" });
});
after(async () => lab.stop());

async function arm(method: string, path: string, body?: unknown, apiVersion = API): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${lab.armEndpoint}${path}?api-version=${apiVersion}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const ccPath = (name: string) => `/subscriptions/${lab.subscriptionId}/resourceGroups/rg-k/providers/Microsoft.Kubernetes/connectedClusters/${name}`;

async function createCluster(name: string, wi: boolean): Promise<Record<string, unknown>> {
  const r = await arm("PUT", ccPath(name), {
    location: "westeurope",
    kind: "ProvisionedCluster",
    identity: { type: "SystemAssigned" },
    properties: { agentPublicKeyCertificate: "", oidcIssuerProfile: { enabled: wi }, securityProfile: { workloadIdentity: { enabled: wi } } },
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const pci = await arm(
    "PUT",
    `${ccPath(name)}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/default`,
    { extendedLocation: { type: "CustomLocation", name: `/subscriptions/${lab.subscriptionId}/resourceGroups/wilab-infra/providers/Microsoft.ExtendedLocation/customLocations/wilab-customlocation` }, properties: {} },
    "2024-01-01",
  );
  assert.equal(pci.status, 201, JSON.stringify(pci.json));
  return r.json;
}

test("connectedClusters: OIDC issuer and workload identity at creation, issuer URL ending in '/', extension listed, change refused", async () => {
  const cc = await createCluster("myAKSCluster", true);
  const props = cc.properties as { oidcIssuerProfile: { enabled: boolean; issuerUrl: string }; securityProfile: { workloadIdentity: { enabled: boolean } }; arcAgentProfile: { agentState: string } };
  assert.equal(props.oidcIssuerProfile.enabled, true);
  assert.match(props.oidcIssuerProfile.issuerUrl, new RegExp(`^${lab.url}/oidc/${lab.tenantId}/[0-9a-f-]{36}/$`));
  assert.equal(props.securityProfile.workloadIdentity.enabled, true);
  assert.equal(props.arcAgentProfile.agentState, "Succeeded");
  const old = await arm("GET", ccPath("myAKSCluster"), undefined, "2021-10-01");
  assert.equal((old.json.properties as Record<string, unknown>).oidcIssuerProfile, undefined, "no OIDC fields before 2024-07-15-preview");
  const ext = await arm("GET", `${ccPath("myAKSCluster")}/providers/Microsoft.KubernetesConfiguration/extensions`, undefined, "2023-05-01");
  assert.equal(((ext.json.value as { properties: { extensionType: string } }[])[0]!).properties.extensionType, "microsoft.workloadidentity");
  const off = await arm("PUT", ccPath("myAKSCluster"), { location: "westeurope", properties: { oidcIssuerProfile: { enabled: true }, securityProfile: { workloadIdentity: { enabled: false } } } });
  assert.equal(off.status, 400);
  assert.match(JSON.stringify(off.json), /Workload identity can only be enabled when the cluster is created/);
  await createCluster("plain", false);
  const on = await arm("PATCH", ccPath("plain"), { properties: { securityProfile: { workloadIdentity: { enabled: true } } } });
  assert.equal(on.status, 400);
  const kc = await arm("POST", `${ccPath("myAKSCluster")}/listClusterUserCredential`, {}, "2024-01-01");
  const kubeconfig = Buffer.from((kc.json.kubeconfigs as { value: string }[])[0]!.value, "base64").toString();
  assert.match(kubeconfig, /server: https:\/\/localhost:\d+\/k8s\/[0-9a-f-]{36}/);
});

test("issuer: discovery and JWKS over HTTPS exactly as kube-apiserver serves them; kid = base64url(SHA-256(DER SPKI))", async () => {
  const cc = await arm("GET", ccPath("myAKSCluster"));
  const issuer = (cc.json.properties as { oidcIssuerProfile: { issuerUrl: string } }).oidcIssuerProfile.issuerUrl;
  const d = await fetch(`${issuer}.well-known/openid-configuration`);
  assert.equal(d.headers.get("content-type"), "application/json");
  assert.equal(d.headers.get("cache-control"), "public, max-age=3600");
  const doc = (await d.json()) as Record<string, unknown>;
  assert.deepEqual(doc, {
    issuer,
    jwks_uri: `${issuer}openid/v1/jwks`,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
  });
  const j = await fetch(`${issuer}openid/v1/jwks`);
  assert.equal(j.headers.get("content-type"), "application/jwk-set+json");
  const jwks = (await j.json()) as { keys: { kid: string; kty: string; n: string; e: string; use: string; alg: string }[] };
  assert.equal(jwks.keys.length, 1);
  const k = jwks.keys[0]!;
  assert.deepEqual(Object.keys(k).sort(), ["alg", "e", "kid", "kty", "n", "use"]);
  const der = createPublicKey({ key: { kty: "RSA", n: k.n, e: k.e }, format: "jwk" }).export({ type: "spki", format: "der" });
  assert.equal(k.kid, createHash("sha256").update(der).digest("base64url"));
  const plain = await arm("GET", ccPath("plain"));
  assert.equal((plain.json.properties as { oidcIssuerProfile: { issuerUrl?: string } }).oidcIssuerProfile.issuerUrl, undefined);
});

test("rotation on the lab clock: after 45 days a new key signs, the old one stays published until 90 days, and the STS picks up the new kid", async () => {
  const cc = await arm("GET", ccPath("myAKSCluster"));
  const issuer = (cc.json.properties as { oidcIssuerProfile: { issuerUrl: string } }).oidcIssuerProfile.issuerUrl;
  const clusterId = issuer.split("/").slice(-2)[0]!;
  const msi = new ManagedServiceIdentityClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab));
  const id = await msi.userAssignedIdentities.createOrUpdate("rg-k", "rot", { location: "westeurope" });
  await msi.federatedIdentityCredentials.createOrUpdate("rg-k", "rot", "fic", { issuer, subject: "system:serviceaccount:default:sa", audiences: ["api://AzureADTokenExchange"] });
  const exchange = async (assertion: string) =>
    fetch(`${lab.authorityHost}/${lab.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: id.clientId!,
        scope: "https://management.azure.com/.default",
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: assertion,
      }).toString(),
    });
  const sign = () =>
    lab.kube.issuer.sign(clusterId, { issuer, namespace: "default", serviceAccount: { name: "sa", uid: "u" }, audiences: ["api://AzureADTokenExchange"], expirationSeconds: 3600 });
  const t0 = await sign();
  assert.equal((await exchange(t0.token)).status, 200);
  const kidOf = async () => ((await (await fetch(`${issuer}openid/v1/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  try {
    lab.ctx.clock.advance(46 * 86_400_000);
    const t1 = await sign();
    assert.notEqual(t1.kid, t0.kid, "a new key signs after 45 days");
    assert.deepEqual((await kidOf()).sort(), [t0.kid, t1.kid].sort(), "both keys are published");
    assert.equal((await exchange(t1.token)).status, 200, "the STS refetches the JWKS for the unknown kid");
    lab.ctx.clock.advance(45 * 86_400_000); // day 91: the first key has left the JWKS
    const kids = await kidOf();
    assert.ok(!kids.includes(t0.kid));
    assert.ok(kids.includes(t1.kid));
  } finally {
    lab.ctx.clock.set(0);
  }
});

test("deleting a cluster removes its issuer", async () => {
  const cc = await arm("GET", ccPath("plain"));
  assert.equal(cc.status, 200);
  assert.equal((await arm("DELETE", ccPath("plain"))).status, 200);
  assert.equal((await arm("GET", ccPath("plain"))).status, 404);
  assert.equal((await arm("DELETE", ccPath("plain"))).status, 204);
});
