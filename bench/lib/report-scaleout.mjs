// The scale-out section of docs/benchmarks.md (scenario 9): its table, how it is measured, the CPU each process
// group used, and what two cores allow, with the run's own numbers.
import { runLines, table } from "./report-table.mjs";

const f0 = (v) => (typeof v === "number" && !Number.isNaN(v) ? Math.round(v).toLocaleString("en") : "—");
const f2 = (v) => (typeof v === "number" && !Number.isNaN(v) ? v.toFixed(2) : "—");
const times = (a, b) => (a && b ? `×${f2(a / b)}` : "—");

const SETUPS = [
  ["sqliteDirect", "SQLite, 1 lab, direct"],
  ["sqliteLb", "SQLite, 1 lab, through HAProxy"],
  ["pg1", "PostgreSQL, 1 replica, through HAProxy"],
  ["pg2", "PostgreSQL, 2 replicas, through HAProxy"],
];
const LOADS = [
  ["exchange", "token exchange"],
  ["secretGet", "Key Vault GET"],
];

function cpuTable(s) {
  const lines = ["| setup | load | req/s | wilab process(es) | PostgreSQL | HAProxy | whole machine |", "|---|---|---|---|---|---|---|"];
  for (const [key, label] of SETUPS) {
    for (const [k, what] of LOADS) {
      const r = s[key]?.[k];
      if (!r) continue;
      const c = r.cores ?? {};
      const through = key !== "sqliteDirect";
      lines.push(`| ${label} | ${what} | ${f0(r.okRps)} | ${f2(c.lab)} | ${c.postgres === undefined ? "—" : f2(c.postgres)} | ${through ? f2(c.haproxy) : "—"} | ${f2(c.machine)} |`);
    }
  }
  return lines;
}

const rest = (r) => (r?.cores ? f2(r.cores.machine - (r.cores.lab ?? 0) - (r.cores.postgres ?? 0) - (r.cores.haproxy ?? 0)) : "—");
const rounds = (r) => (r?.rounds ? r.rounds.map(f0).join(", ") : "—");
const cmp = (x) => (x >= 1.1 ? "faster" : x <= 0.9 ? "slower" : "about as fast");

function twoCores(s, cores) {
  const ok = (key, k) => s[key]?.[k]?.okRps;
  const cpu = (key, k, g) => f2(s[key]?.[k]?.cores?.[g]);
  const e = ok("pg2", "exchange") / ok("pg1", "exchange");
  const g = ok("pg2", "secretGet") / ok("pg1", "secretGet");
  const split = s.pg2?.exchange?.connectionsPerReplica;
  const splitText = split ? Object.entries(split).map(([sv, n]) => `${sv} ${n}`).join(", ") : "—";
  const lines = [
    `**What ${cores} cores allow.** Everything here shares this machine's ${cores} cores: the replicas, PostgreSQL's backends, HAProxy and wrk (and, on this shared machine, other users' processes). A second replica brings no CPU of its own, so two replicas are not expected to be faster than one: at best the second uses CPU the first leaves idle. Measured: token exchanges ${f0(ok("pg2", "exchange"))}/s with 2 replicas against ${f0(ok("pg1", "exchange"))}/s with 1 (${times(ok("pg2", "exchange"), ok("pg1", "exchange"))}, ${cmp(e)}), Key Vault GETs ${f0(ok("pg2", "secretGet"))}/s against ${f0(ok("pg1", "secretGet"))}/s (${times(ok("pg2", "secretGet"), ok("pg1", "secretGet"))}, ${cmp(g)}). During the exchanges the wilab processes used ${cpu("pg1", "exchange", "lab")} cores with 1 replica and ${cpu("pg2", "exchange", "lab")} with 2, PostgreSQL ${cpu("pg1", "exchange", "postgres")} and ${cpu("pg2", "exchange", "postgres")}, the whole machine ${cpu("pg1", "exchange", "machine")} and ${cpu("pg2", "exchange", "machine")} of ${cores}: the rest (${rest(s.pg1?.exchange)} and ${rest(s.pg2?.exchange)} cores) went to wrk and, on this shared machine, other users' processes (the load average is in the run line above). HAProxy spread the connections (per replica during the median 2-replica exchange run, warm-up included: ${splitText}). The rounds, exchanges/s with 1 replica: ${rounds(s.pg1?.exchange)}; with 2: ${rounds(s.pg2?.exchange)}; GETs/s with 1: ${rounds(s.pg1?.secretGet)}; with 2: ${rounds(s.pg2?.secretGet)}.`,
  ];
  if (e >= 1.1 || g >= 1.1) {
    lines.push("");
    lines.push(
      "Where 2 replicas were faster, the likely reason is waiting rather than CPU: on PostgreSQL each request waits for round trips to the database (its reads, in a transaction of their own, through a pool of 10 connections per replica), and a second replica brings a second event loop and pool to overlap more of those waits, on CPU the first left idle; it adds no core, so once the machine is busy more replicas only compete for it.",
    );
  }
  if (e <= 0.9 || g <= 0.9) {
    lines.push("");
    lines.push("Where 2 replicas were slower, the likely reason is that they competed for the same cores: two event loops, two sets of signing workers and twice the PostgreSQL connections on a machine that was already busy.");
  }
  lines.push("");
  lines.push("What scale-out buys on one small machine is availability — a replica can die and the others answer (docs/scale-out.md, the durability and failover tests) — rather than throughput; throughput grows with replicas when each gets cores of its own (other machines) and the database keeps up.");
  return lines;
}

function otherFigures(s) {
  const ok = (key, k) => s[key]?.[k]?.okRps;
  const lb = [ok("sqliteLb", "exchange") / ok("sqliteDirect", "exchange"), ok("sqliteLb", "secretGet") / ok("sqliteDirect", "secretGet")];
  const noise = lb.some((x) => x > 1) ? " A ratio above 1 there is run-to-run noise on this shared machine: the balancer adds a hop and cannot speed a lab up." : "";
  return [
    `**What the other figures say.** The balancer's cost: SQLite direct → through HAProxy is ${times(ok("sqliteLb", "exchange"), ok("sqliteDirect", "exchange"))} for exchanges and ${times(ok("sqliteLb", "secretGet"), ok("sqliteDirect", "secretGet"))} for GETs, HAProxy itself using ${f2(s.sqliteLb?.exchange?.cores?.haproxy)} and ${f2(s.sqliteLb?.secretGet?.cores?.haproxy)} cores (TCP splicing, no TLS).${noise} PostgreSQL against SQLite, one lab each, through HAProxy: ${times(ok("pg1", "exchange"), ok("sqliteLb", "exchange"))} for exchanges, ${times(ok("pg1", "secretGet"), ok("sqliteLb", "secretGet"))} for GETs. What differs per request is the reads: the exchange reads the service principal and the federated credentials (the issuer's keys are cached per process), the GET the vault, the secret and the role assignments (RBAC decisions are not cached across requests on PostgreSQL, so that a role assignment removed at one replica takes effect at every other at once). On SQLite each read is a call into the same process; on PostgreSQL it is a transaction (\`REPEATABLE READ, READ ONLY\`) of round trips to another process, whose CPU (the PostgreSQL column) comes from the same cores. Writes are not per request: the sign-in record of an exchange and the audit event of a GET are handed to a recorder that commits them in groups, one write transaction every ~20 ms (src/diagnose/recorder.ts), so a request never waits for a commit.`,
  ];
}

/** Lines of the section (`v`: { rows, run, details }). */
export function scaleOutSection(v) {
  const s = v.details.scaleOut ?? {};
  const p = v.run.params;
  const cores = v.run.machine.cores;
  const lines = ["## Scale-out: replicas on PostgreSQL behind HAProxy (scenario 9)", ""];
  lines.push(...runLines(v, "Run"), "");
  lines.push(...table(v.rows), "");
  lines.push("Ratios: each figure ÷ the same load on the default SQLite store, one `wilab up`, direct (the ceiling column), measured in the same run, interleaved with the others. The target is 0 errors (over every round); the ratios are reported, not judged.");
  lines.push("");
  lines.push(
    `**How it is measured.** Issue 14's topology (docs/scale-out.md) on one machine, all started by \`bench/run.mjs\` on free loopback ports and in temporary directories, and stopped by pid at the end: \`wilab up\` processes; HAProxy ${s.haproxy ?? "—"} (Debian's \`/usr/sbin/haproxy\`) in TCP mode, round robin, TLS ending at the replicas, with docs/scale-out.md's configuration (plus a stats socket to count connections per replica), checked with \`haproxy -c\` and run with \`-db\`; PostgreSQL ${s.postgres ?? "—"}, a throwaway server (\`initdb\` in a temporary directory as the \`postgres\` user, \`pg_ctl\` on a free port, as test/helpers/postgres.ts does, but with fsync and synchronous_commit left on, as SQLite's \`synchronous=FULL\` is). The setups run side by side: one \`wilab up\` on the default SQLite store (a fresh data dir) with an HAProxy in front of it, and two \`wilab up --store postgres://… --public-port …\` replicas on one database with two HAProxies, one over replica 1 alone and one over both (replica 2 idles during the 1-replica runs). Each store's workload (scenarios 1 and 3) is set up once through a balancer over the public APIs only: ARM and Entra as in scenario 1, and the service-account token from the cluster's kube-apiserver (the admin kubeconfig from ARM's \`listClusterUserCredential\`, the service account created, then its \`TokenRequest\`, as \`kubectl create token\` does). On PostgreSQL that goes through replica 1's balancer: in local mode a cluster's issuer URL names the port of the replica that answers, so the federated credential and the token are made at one replica; the other verifies that token (a token minted at one replica verifies at every other). wrk: ${p.connections} keep-alive connections, one thread. After one discarded pass over every setup (the first load after a set-up ran slower), ${s.rounds ?? "—"} round(s), each measuring every setup (${s.warm ?? "—"} s warm-up, then ${s.seconds ?? "—"} s measured), the setups' order rotated from round to round; each figure is the median of its rounds (all rounds are in benchmarks.json), p50/p99 and CPU from that median run. Interleaving matters here: this shared machine's load moves more between back-to-back runs than some of the differences measured.`,
  );
  lines.push("");
  lines.push(`**CPU during each (median) run**, in cores (CPU seconds ÷ wall seconds over warm-up and measurement, from \`/proc/<pid>/stat\` of each process and its descendants; "whole machine" is \`/proc/stat\`, wrk and everything else on the machine included):`);
  lines.push("");
  lines.push(...cpuTable(s), "");
  lines.push(...twoCores(s, cores), "");
  lines.push(...otherFigures(s));
  return lines;
}
