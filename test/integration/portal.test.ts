// The portal (issue 10) in a real browser: Debian's Chromium driven by playwright-core against a lab started
// here, with the first hour's workload (cluster, webhook, identity, vault, the quick-start pod). Sign-in goes
// through the lab's own Entra (authorization code + PKCE); the chain of a pod whose credential trusts the
// wrong subject is drawn with a red edge and its fix; the fix applied from the portal (ARM, the user's token)
// turns the edge green after the pod's next sign-in; the sign-in log updates live; the token-matching page
// names the differing claim. With WILAB_UPDATE_SCREENSHOTS=1 the screenshots are written to docs/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { AUDIENCE, FIC, IDENTITY, RG, SA, SECRETS_USER, SUBJECT, authz, cluster, identity, k, lab, msi, setCredential, until, useFirstHourLab, VAULT, vaultId } from "../helpers/firstHour.js";

useFirstHourLab();

const root = resolve(fileURLToPath(new URL("../../../", import.meta.url)));
const CHROMIUM = "/usr/bin/chromium";
const shots = process.env.WILAB_UPDATE_SCREENSHOTS === "1" ? join(root, "docs") : mkdtempSync(join(tmpdir(), "wilab-portal-shots-"));
const POD = "portal-sample";
let browser: Browser;
let context: BrowserContext;

before(async () => {
  assert.ok(existsSync(CHROMIUM), "Debian's chromium is needed (apt-get install chromium; .ci/run installs it)");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  // The browser trusts the lab's CA as a user's would after importing it; here: the test CA's leaf is accepted explicitly.
  context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 1100 } });
});

after(async () => {
  await browser?.close();
  if (process.env.WILAB_UPDATE_SCREENSHOTS !== "1") rmSync(shots, { recursive: true, force: true });
});

/** The quick-start pod, retrying its exchange every 2 s so that "the next sign-in" comes soon. */
function manifest(): string {
  const file = join(mkdtempSync(join(tmpdir(), "wilab-portal-pod-")), "pod.yaml");
  writeFileSync(
    file,
    `apiVersion: v1
kind: Pod
metadata:
  name: ${POD}
  namespace: default
  labels:
    azure.workload.identity/use: "true"
spec:
  serviceAccountName: ${SA}
  terminationGracePeriodSeconds: 1
  containers:
    - image: ghcr.io/azure/azure-workload-identity/msal-go
      name: oidc
      env:
      - { name: KEYVAULT_URL, value: "${lab.vaultUrl(VAULT)}" }
      - { name: SECRET_NAME, value: my-secret }
      - { name: WILAB_SAMPLE_INTERVAL_SECONDS, value: "2" }
`,
  );
  return file;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${lab.url}/portal`);
  await page.waitForSelector("#login, nav[aria-label=portal]");
  if ((await page.$("#login")) === null) return; // this browser context is signed in already
  await page.fill("#login", lab.admin.userPrincipalName);
  await page.fill("#passwd", lab.admin.password);
  await page.click("button[type=submit]");
  await page.waitForSelector("nav[aria-label=portal]");
}

const chainUrl = () => `${lab.url}/portal#/chain?${new URLSearchParams({ pod: POD, namespace: "default", cluster: cluster.record.name, resourceGroup: cluster.record.resourceGroup }).toString()}`;
const edgeStatus = (page: Page, from: string, to: string) => page.getAttribute(`g.edge[data-from=${from}][data-to=${to}]`, "data-status");

test("without a session nothing is answered: the API says 401, the page sends the browser to the lab's sign-in", async () => {
  for (const path of ["/portal/api/workloads", "/portal/api/signins", "/portal/api/chain?pod=x", "/portal/api/overview", "/portal/api/clusters"]) {
    const r = await fetch(`${lab.url}${path}`);
    assert.equal(r.status, 401, path);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, "NotSignedIn");
  }
  const forged = await fetch(`${lab.url}/portal/api/workloads`, { headers: { cookie: "__Host-wilab-portal=forged" } });
  assert.equal(forged.status, 401);
  const page = await fetch(`${lab.url}/portal`, { redirect: "manual" });
  assert.equal(page.status, 302);
  const to = new URL(page.headers.get("location")!);
  assert.equal(to.pathname, `/${lab.tenantId}/oauth2/v2.0/authorize`);
  assert.equal(to.searchParams.get("code_challenge_method"), "S256");
  assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
});

test("sign-in through the lab's Entra: a wrong password is refused on the page, the right one opens the portal", async () => {
  const page = await context.newPage();
  await page.goto(`${lab.url}/portal`);
  await page.fill("#login", lab.admin.userPrincipalName);
  await page.fill("#passwd", "not-the-password");
  await page.click("button[type=submit]");
  assert.match((await page.textContent(".error")) ?? "", /AADSTS50126: Error validating credentials due to invalid username or password\./);
  await page.fill("#passwd", lab.admin.password);
  await page.click("button[type=submit]");
  await page.waitForSelector("nav[aria-label=portal]");
  assert.equal(await page.getAttribute('meta[name="user"]', "content"), lab.admin.userPrincipalName);
  const cookie = (await context.cookies(lab.url)).find((c) => c.name === "__Host-wilab-portal");
  assert.ok(cookie?.httpOnly && cookie.secure && cookie.sameSite === "Strict", JSON.stringify(cookie));
  await page.close();
});

test("the workload list, the broken chain in red with its fix, live sign-ins, the fix applied, the edge green", async () => {
  // The break: the credential trusts another namespace's service account.
  await setCredential({ subject: `system:serviceaccount:other:${SA}` });
  await k("delete", "pod", POD, "-n", "default", "--ignore-not-found", "--wait=true");
  await k("apply", "-f", manifest());

  const page = await context.newPage();
  await signIn(page);
  // The sign-in log, live, in a second tab.
  const log = await context.newPage();
  await log.goto(`${lab.url}/portal#/signins`);
  await log.waitForSelector(".live");
  const rowsBefore = await log.locator("tr[data-signin]").count();

  await page.goto(`${lab.url}/portal#/workloads`);
  await page.waitForSelector(`tr[data-pod=${POD}]`);
  await until("the workload marked broken", async () => ((await page.textContent(`tr[data-pod=${POD}]`)) ?? "").includes("broken"), 60);

  await page.goto(chainUrl());
  await until("the red edge", async () => (await edgeStatus(page, "identity", "federatedCredential")) === "fail", 60);
  assert.equal(await edgeStatus(page, "pod", "serviceAccount"), "pass");
  // Keyboard first: the edge is focusable and opens its details with Enter.
  await page.focus("g.edge[data-from=identity][data-to=federatedCredential]");
  await page.keyboard.press("Enter");
  const detail = (await page.textContent("[data-check=federated-credential]")) ?? "";
  assert.match(detail, /system:serviceaccount:other:/);
  assert.match(detail, /az identity federated-credential (create|update)/);
  await page.screenshot({ path: join(shots, "portal-chain-broken.png"), fullPage: true });

  // The pod's failed exchanges arrive in the open sign-in log without a reload.
  await until("a live sign-in row", async () => (await log.locator("tr[data-signin].failed").count()) > 0 && (await log.locator("tr[data-signin]").count()) > rowsBefore, 60);
  assert.match((await log.textContent("tr[data-signin].failed")) ?? "", /AADSTS700213/);

  // The fix from the portal: a new credential for the pod's subject, through ARM with the user's token.
  await page.click("button[data-action=addFederatedCredential]");
  await page.waitForSelector(".note");
  assert.match((await page.textContent(".note")) ?? "", /^Applied/);
  const fics = [];
  for await (const f of msi().federatedIdentityCredentials.list(RG, IDENTITY)) fics.push(f);
  assert.ok(fics.some((f) => f.subject === SUBJECT && f.issuer === lab.kube.issuerUrl(cluster.record) && f.audiences?.[0] === AUDIENCE), JSON.stringify(fics));
  await until("the edge turning green after the pod's next sign-in", async () => (await edgeStatus(page, "issuer", "tokenExchange")) === "pass" && (await edgeStatus(page, "identity", "federatedCredential")) === "pass", 90);

  // The identity has no role on the vault yet: the second fix the portal applies, a Key Vault role through ARM.
  assert.equal(await edgeStatus(page, "tokenExchange", "roleAssignment"), "fail");
  await page.click("g.node[data-node=roleAssignment]");
  await page.focus("g.edge[data-from=tokenExchange][data-to=roleAssignment]");
  await page.keyboard.press("Enter");
  await page.click("button[data-action=assignRole]");
  await until("the role assignment applied", async () => /^Applied: Assign Key Vault Secrets User/.test((await page.textContent(".note")) ?? ""), 30);
  const roles = [];
  for await (const a of authz().roleAssignments.listForScope(vaultId)) roles.push(a);
  assert.ok(roles.some((a) => a.principalId === identity.principalId && a.roleDefinitionId?.endsWith(SECRETS_USER)), JSON.stringify(roles));
  await until("the whole chain green", async () => (await page.textContent("h2 .status")) === "healthy", 90);
  await page.screenshot({ path: join(shots, "portal-chain-fixed.png"), fullPage: true });
  await page.close();
  await log.close();
  // Back to the first hour's credential for the tests after this one.
  await msi().federatedIdentityCredentials.delete(RG, IDENTITY, fics.find((f) => f.name !== FIC)!.name!);
  await setCredential();
});

test("a write without the session's CSRF token is refused", async () => {
  const page = await context.newPage();
  await signIn(page);
  const status = await page.evaluate(async () => (await fetch("/portal/api/match", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status);
  assert.equal(status, 403);
  await page.close();
});

test("which credential matches: a pasted token against every credential, the differing claim named", async () => {
  await setCredential(); // the credential trusts default/<sa>; the token below is for other/<sa>
  const token = (await lab.kube.issuer.sign(cluster.record.clusterId, { issuer: lab.kube.issuerUrl(cluster.record), namespace: "other", serviceAccount: { name: SA, uid: "u" }, audiences: [AUDIENCE], expirationSeconds: 3600 })).token;
  const page = await context.newPage();
  await signIn(page);
  await page.goto(`${lab.url}/portal#/match`);
  await page.fill("#token", token);
  await page.click("button[type=submit]");
  await page.waitForSelector(`tr[data-credential=${FIC}]`);
  const row = (await page.textContent(`tr[data-credential=${FIC}]`)) ?? "";
  assert.match(row, /subject/);
  assert.match(row, /system:serviceaccount:other:/);
  await page.close();
});
