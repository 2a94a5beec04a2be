import { str, mustStr, type CommandDef, type GroupDef } from "../core/command.js";
import type { Json, JsonObject } from "../core/types.js";

/**
 * `wilab fault add|list|clear`: inject faults into the running lab to test retries and error handling.
 * Talks to the lab admin API: `POST /_wilab/faults` (a fault request), `GET /_wilab/faults`,
 * `DELETE /_wilab/faults[/{id}]`.
 */
export const groups: GroupDef[] = [{ name: "fault", summary: "Inject faults (latency, throttling, an unreachable issuer, propagation delays) to test retries and error handling." }];

const KINDS = ["issuer-unreachable", "latency", "throttle", "propagation"];

const faultTable = (v: Json): Json =>
  Array.isArray(v)
    ? v.map((f) => (f && typeof f === "object" && !Array.isArray(f) ? { Id: f.id ?? null, Kind: f.kind ?? null, Description: f.description ?? null, AddedAt: f.addedAt ?? null, Remaining: f.remaining ?? null } : f))
    : v;

export const commands: CommandDef[] = [
  {
    name: "fault add",
    summary: "Add a fault: an unreachable cluster issuer (AADSTS50166), added latency, throttling (429 with Retry-After), or propagation delays.",
    args: [
      { dest: "kind", options: [], positional: true, required: true, choices: KINDS, help: "The kind of fault." },
      { dest: "cluster", options: ["--cluster"], help: "issuer-unreachable: the cluster whose OIDC issuer Entra can no longer reach." },
      { dest: "resource_group", options: ["--resource-group", "-g"], help: "issuer-unreachable: the cluster's resource group (when several clusters share the name)." },
      { dest: "issuer", options: ["--issuer"], help: "issuer-unreachable: an issuer URL instead of a cluster (any issuer starting with it)." },
      { dest: "face", options: ["--face"], choices: ["entra", "keyvault", "arm"], help: "latency, throttle: the service affected." },
      { dest: "ms", options: ["--ms"], help: "latency: milliseconds added to each request." },
      { dest: "retry_after", options: ["--retry-after"], help: "throttle: the Retry-After seconds (default 1)." },
      { dest: "count", options: ["--count"], help: "latency, throttle: affect only the next N requests, then clear the fault." },
      { dest: "fic", options: ["--fic"], help: "propagation: delay before a new or changed federated credential is usable, e.g. 30s." },
      { dest: "rbac", options: ["--rbac"], help: "propagation: delay before a new role assignment takes effect, e.g. 5m." },
    ],
    examples: [
      { summary: "Make Entra unable to fetch a cluster's issuer keys.", command: "wilab fault add issuer-unreachable --cluster myAKSCluster -g myResourceGroup" },
      { summary: "Throttle the next two Key Vault requests.", command: "wilab fault add throttle --face keyvault --retry-after 2 --count 2" },
      { summary: "Add 800 ms to every token request.", command: "wilab fault add latency --face entra --ms 800" },
      { summary: "Azure-like propagation delays.", command: "wilab fault add propagation --fic 30s --rbac 5m" },
    ],
    async run(ctx, a) {
      const body: JsonObject = { kind: mustStr(a, "kind") };
      const fields: [string, string][] = [
        ["cluster", "cluster"],
        ["resourceGroup", "resource_group"],
        ["issuer", "issuer"],
        ["face", "face"],
        ["ms", "ms"],
        ["retryAfter", "retry_after"],
        ["count", "count"],
        ["fic", "fic"],
        ["rbac", "rbac"],
      ];
      for (const [key, dest] of fields) {
        const v = str(a, dest);
        if (v !== undefined) body[key] = v;
      }
      return (await ctx.session().labApi("POST", "/_wilab/faults", body)) ?? null;
    },
  },
  {
    name: "fault list",
    summary: "List the faults in force.",
    args: [],
    tableTransform: faultTable,
    async run(ctx) {
      return (await ctx.session().labApi("GET", "/_wilab/faults")) ?? [];
    },
  },
  {
    name: "fault clear",
    summary: "Clear one fault by id, or all of them; prints the faults cleared.",
    args: [{ dest: "id", options: [], positional: true, help: "The fault's id (from `wilab fault list`); all faults when omitted." }],
    tableTransform: faultTable,
    async run(ctx, a) {
      const id = str(a, "id");
      return (await ctx.session().labApi("DELETE", id ? `/_wilab/faults/${encodeURIComponent(id)}` : "/_wilab/faults")) ?? [];
    },
  },
];
