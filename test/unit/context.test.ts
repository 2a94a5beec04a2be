// Host naming: vault hosts, challenge resources, and where each face is reached (reference §4.2, §4.3 item 3).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Hosts, vaultNameFromHost, vaultResourceForHost, type HostMode } from "../../src/lab/context.js";
import { graphHost } from "../../src/graph/index.js";

const NAME_ROWS: [host: string, vault: string | undefined][] = [
  ["kv1.vault.localhost:8443", "kv1"],
  ["kv1.vault.localhost", "kv1"],
  ["kv1.vault.azure.net", "kv1"],
  ["kv1.vault.azure.net:443", "kv1"],
  ["KV1.VAULT.AZURE.NET", "kv1"],
  ["my-vault-01.vault.azure.net", "my-vault-01"],
  ["vault.azure.net", undefined],
  ["vault.localhost:8443", undefined],
  ["localhost:8443", undefined],
  ["management.azure.com", undefined],
  ["login.microsoftonline.com", undefined],
  ["a.b.vault.azure.net", undefined],
  ["kv1.vault.azure.net.evil.example", undefined],
  ["kv1.vaultXazure.net", undefined],
  ["kv1.vault.azure.com", undefined],
  ["", undefined],
];
for (const [host, vault] of NAME_ROWS) {
  test(`vaultNameFromHost(${JSON.stringify(host)}) → ${vault}`, () => {
    assert.equal(vaultNameFromHost(host), vault);
  });
}

// The challenge resource is the host minus its first label, with the port unless it is 443.
const RESOURCE_ROWS: [host: string, resource: string][] = [
  ["kv1.vault.localhost:8443", "https://vault.localhost:8443"],
  ["kv1.vault.localhost", "https://vault.localhost"],
  ["kv1.vault.azure.net", "https://vault.azure.net"],
  ["kv1.vault.azure.net:443", "https://vault.azure.net"],
  ["kv1.vault.localtest.me", "https://vault.localtest.me"],
  ["kv1.vault.localhost:9443", "https://vault.localhost:9443"],
];
for (const [host, resource] of RESOURCE_ROWS) {
  test(`vaultResourceForHost(${host}) → ${resource}`, () => {
    assert.equal(vaultResourceForHost(host), resource);
    // @azure/keyvault-secrets requires vaultHost.endsWith("." + new URL(resource).hostname)
    const vaultHost = host.replace(/:\d+$/, "");
    assert.ok(vaultHost.endsWith("." + new URL(resource).hostname), `${vaultHost} does not end with .${new URL(resource).hostname}`);
  });
}

interface HostsRow {
  mode: HostMode;
  port: number;
  localOrigin: string;
  loginOrigin: string;
  armOrigin: string;
  vaultDnsSuffix: string;
  vaultHostname: string;
  vaultUri: string;
}
const HOSTS_ROWS: HostsRow[] = [
  {
    mode: "local",
    port: 8443,
    localOrigin: "https://localhost:8443",
    loginOrigin: "https://localhost:8443",
    armOrigin: "https://localhost:8443",
    vaultDnsSuffix: "vault.localhost:8443",
    vaultHostname: "kv1.vault.localhost",
    vaultUri: "https://kv1.vault.localhost:8443/",
  },
  {
    mode: "local",
    port: 443,
    localOrigin: "https://localhost",
    loginOrigin: "https://localhost",
    armOrigin: "https://localhost",
    vaultDnsSuffix: "vault.localhost",
    vaultHostname: "kv1.vault.localhost",
    vaultUri: "https://kv1.vault.localhost/",
  },
  {
    mode: "transparent",
    port: 443,
    localOrigin: "https://localhost",
    loginOrigin: "https://login.microsoftonline.com",
    armOrigin: "https://management.azure.com",
    vaultDnsSuffix: "vault.azure.net",
    vaultHostname: "kv1.vault.azure.net",
    vaultUri: "https://kv1.vault.azure.net/",
  },
];
for (const row of HOSTS_ROWS) {
  test(`Hosts(${row.mode}, ${row.port}) URLs`, () => {
    const h = new Hosts(row.mode, row.port);
    assert.equal(h.localOrigin, row.localOrigin);
    assert.equal(h.loginOrigin, row.loginOrigin);
    assert.equal(h.armOrigin, row.armOrigin);
    assert.equal(h.vaultDnsSuffix, row.vaultDnsSuffix);
    // vault names are case-insensitive; hosts and URIs are lower case; vaultUri ends in '/' (reference §4.1)
    assert.equal(h.vaultHostname("KV1"), row.vaultHostname);
    assert.equal(h.vaultUri("KV1"), row.vaultUri);
  });

  test(`Hosts(${row.mode}, ${row.port}): a vault URI maps back to its name and to an accepted token audience`, () => {
    const h = new Hosts(row.mode, row.port);
    const host = new URL(h.vaultUri("kv1")).host;
    assert.equal(vaultNameFromHost(host), "kv1");
    const resource = vaultResourceForHost(host);
    assert.ok(h.vaultResources().includes(resource), `${resource} not in ${JSON.stringify(h.vaultResources())}`);
  });
}

const ARM_AUDIENCES = ["https://management.azure.com", "https://management.core.windows.net"];
for (const mode of ["local", "transparent"] as const) {
  test(`Hosts(${mode}) accepts the public ARM and Key Vault audiences (reference §5.1, §4.3)`, () => {
    const h = new Hosts(mode, 8443);
    for (const a of ARM_AUDIENCES) assert.ok(h.armResources().includes(a), `${a} missing`);
    assert.ok(h.vaultResources().includes("https://vault.azure.net"));
    for (const r of [...h.armResources(), ...h.vaultResources()]) assert.ok(!r.endsWith("/"), `${r} has a trailing slash`);
  });
}

test("Hosts port can change after construction and URLs follow it", () => {
  const h = new Hosts("local", 8443);
  h.port = 9443;
  assert.equal(h.localOrigin, "https://localhost:9443");
  assert.equal(h.vaultUri("kv1"), "https://kv1.vault.localhost:9443/");
});

test("Hosts: the origins remote clients use (--hostname, --listen address, at the lab's and the balancer's ports) are ARM audiences", () => {
  const h = new Hosts("local", 8443, [443], ["lab.team.example", "10.0.0.5", "fd00::5"]);
  for (const a of ["https://lab.team.example:8443", "https://lab.team.example", "https://10.0.0.5:8443", "https://[fd00::5]:8443", "https://localhost:8443", "https://localhost"]) {
    assert.ok(h.armResources().includes(a), `${a} missing from ${JSON.stringify(h.armResources())}`);
  }
  assert.ok(!h.armResources().includes("https://lab.team.example:9443"), "only the ports the lab answers on");
  assert.equal(new Set(h.armResources()).size, h.armResources().length, "no duplicates");
  assert.ok(!new Hosts("local", 8443).armResources().some((r) => r.includes("team")), "no remote names unless given");
});

test("Graph answers at the lab's origin under every name it is reached by: loopback, graph.microsoft.com, the remote names", () => {
  const host = graphHost(new Hosts("local", 8443, [], ["lab.team.example", "10.0.0.5", "fd00::5"]).remoteNames);
  for (const h of ["localhost:8443", "127.0.0.1:8443", "[::1]:8443", "graph.microsoft.com", "lab.team.example:8443", "LAB.team.example", "10.0.0.5:8443", "[fd00::5]:8443"]) assert.match(h, host);
  for (const h of ["kv1.vault.localhost:8443", "labXteam.example:8443", "x.lab.team.example:8443", "10.0.0.50:8443", "management.azure.com"]) assert.doesNotMatch(h, host);
  assert.doesNotMatch("lab.team.example:8443", graphHost([]), "no remote names unless given");
});
