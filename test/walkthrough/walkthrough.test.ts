import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "../../..");

test("npm run walkthrough: the article end to end through the az shim and real kubectl", () => {
  // A process that looks like someone else's sample pod (its command line names the sample) runs the whole time:
  // the walkthrough must look only at its own lab's pod, never at the machine's process list.
  const decoy = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", resolve(root, "examples/quick-start/main.js")], { stdio: "ignore" });
  try {
    walkthrough();
  } finally {
    decoy.kill("SIGKILL");
  }
});

function walkthrough(): void {
  const r = spawnSync(process.execPath, [resolve(root, "scripts/walkthrough.mjs")], { encoding: "utf8", timeout: 240_000, env: { ...process.env, NODE_EXTRA_CA_CERTS: "" } });
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 0, out.slice(-4000));
  // az group create prints the article's shape.
  const group = /\$ az group create[^\n]*\n(\{[\s\S]*?\n\})/.exec(r.stdout);
  assert.ok(group, "group create output");
  const g = JSON.parse(group![1]!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(g).sort(), ["id", "location", "managedBy", "name", "properties", "tags", "type"]);
  assert.deepEqual(g.properties, { provisioningState: "Succeeded" });
  assert.equal(g.location, "westeurope");
  // connectedk8s show: agent state and the issuer (ending in /) that feeds the federated credential.
  assert.match(r.stdout, /"agentState": "Succeeded"/);
  const issuer = /SERVICE_ACCOUNT_ISSUER=(https:\/\/\S+\/)\n/.exec(r.stdout)?.[1];
  assert.ok(issuer, "issuer URL from --query ... -o tsv");
  assert.match(r.stdout, new RegExp(`"issuer": "${issuer!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}"`));
  assert.match(r.stdout, /"subject": "system:serviceaccount:default:workload-identity-sa"/);
  assert.match(r.stdout, /MSIId=[0-9a-f-]{36} MSIPrincipalId=[0-9a-f-]{36}/);
  assert.match(r.stdout, /serviceaccount\/workload-identity-sa created/);
  assert.match(r.stdout, /KVId=\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/myResourceGroup\/providers\/Microsoft\.KeyVault\/vaults\/KV-workload-id/);
  // The article's slip: 403 as yourself, with az's wording and wilab's hint; then the fix.
  assert.match(out, /ERROR: \(Forbidden\) Caller is not authorized to perform action on resource\./);
  assert.match(r.stdout, /KVUrl=https:\/\/kv-workload-id\.vault\.localhost:\d+\//);
  assert.match(r.stdout, /pod\/sample-quick-start created/);
  assert.match(r.stdout, /pod\/sample-quick-start condition met/);
  assert.match(r.stdout, /AZURE_FEDERATED_TOKEN_FILE=\/var\/run\/secrets\/azure\/tokens\/azure-identity-token/);
  assert.match(r.stdout, /successfully got secret, secret=Hello!/);
  assert.match(r.stdout, /the pod runs as pid \d+ in \S+\/wilab-walkthrough-/);
  assert.match(r.stdout, /the cluster's pods have stopped/);
}
