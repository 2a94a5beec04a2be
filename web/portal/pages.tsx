// The portal's list pages: overview, workloads, identities, sign-ins (live), audit events, clusters, and
// "which credential matches?".
import { useEffect, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { get, post } from "./api.js";
import type { AuditEvent, MatchRow, SignIn, WorkloadRow } from "./types.js";

function useApi<T>(path: string, every?: number): { data: T | undefined; error: string } {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState("");
  useEffect(() => {
    let alive = true;
    const load = () =>
      get<T>(path).then(
        (d) => alive && (setData(d), setError("")),
        (e: Error) => alive && setError(e.message),
      );
    void load();
    const t = every ? setInterval(() => void load(), every) : undefined;
    return () => {
      alive = false;
      if (t) clearInterval(t);
    };
  }, [path]);
  return { data, error };
}

function Loading({ error, children, ready }: { error: string; ready: boolean; children: ComponentChildren }) {
  if (error) return <p class="error" role="alert">{error}</p>;
  return ready ? <>{children}</> : <p>Loading…</p>;
}

export function Overview() {
  const { data, error } = useApi<{ clock: { now: string; offsetMs: number }; tenantId: string; subscriptionId: string; counts: Record<string, number>; faults: { id: string; kind: string }[] }>("/portal/api/overview", 5000);
  return (
    <Loading error={error} ready={!!data}>
      {data ? (
        <div>
          <h2>Overview</h2>
          <p>
            Lab clock: <time>{data.clock.now}</time> {data.clock.offsetMs > 1000 ? `(${Math.round(data.clock.offsetMs / 1000)} s ahead of real time)` : null}
          </p>
          <p>
            Tenant <code>{data.tenantId}</code>, subscription <code>{data.subscriptionId}</code>
          </p>
          <ul class="counts">{Object.entries(data.counts).map(([k, v]) => <li key={k}><strong>{v}</strong> {k}</li>)}</ul>
          <h3>Faults in force</h3>
          {data.faults.length ? <ul>{data.faults.map((f) => <li key={f.id}>{f.kind} <code>{f.id}</code></li>)}</ul> : <p>None.</p>}
        </div>
      ) : null}
    </Loading>
  );
}

export function Workloads() {
  const { data, error } = useApi<{ value: WorkloadRow[] }>("/portal/api/workloads", 5000);
  return (
    <Loading error={error} ready={!!data}>
      <h2>Workloads</h2>
      <table>
        <caption>Pods labelled azure.workload.identity/use: "true", in every cluster</caption>
        <thead><tr><th scope="col">Pod</th><th scope="col">Cluster</th><th scope="col">Phase</th><th scope="col">Chain</th><th scope="col">Failing checks</th></tr></thead>
        <tbody>
          {(data?.value ?? []).map((w) => {
            const q = new URLSearchParams({ pod: w.pod, namespace: w.namespace, cluster: w.cluster, resourceGroup: w.resourceGroup });
            return (
              <tr key={`${w.cluster}/${w.namespace}/${w.pod}`} data-pod={w.pod}>
                <td><a href={`#/chain?${q.toString()}`}>{w.namespace}/{w.pod}</a></td>
                <td>{w.cluster}</td>
                <td>{w.phase}</td>
                <td><span class={`status ${w.ok ? "pass" : "fail"}`}>{w.ok ? "healthy" : "broken"}</span></td>
                <td>{w.failing.join(", ")}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Loading>
  );
}

interface Identity {
  name: string;
  resourceGroup: string;
  clientId: string;
  principalId: string;
  credentialIssuers: { name: string; issuer: string; presentedBy: string[] }[];
  credentials: { name: string; subject: string; audiences: string[] }[];
}

export function Identities() {
  const { data, error } = useApi<{ value: Identity[] }>("/portal/api/identities");
  return (
    <Loading error={error} ready={!!data}>
      <h2>Identities</h2>
      {(data?.value ?? []).map((i) => (
        <section key={`${i.resourceGroup}/${i.name}`}>
          <h3>{i.name} <small>({i.resourceGroup})</small></h3>
          <p>client id <code>{i.clientId}</code>, principal id <code>{i.principalId}</code></p>
          <table>
            <thead><tr><th scope="col">Credential</th><th scope="col">Issuer</th><th scope="col">Subject</th><th scope="col">Presented by</th></tr></thead>
            <tbody>
              {i.credentialIssuers.map((c, n) => (
                <tr key={c.name}>
                  <td>{c.name}</td><td><code>{c.issuer}</code></td><td><code>{i.credentials[n]?.subject}</code></td>
                  <td>{c.presentedBy.length ? c.presentedBy.join(", ") : <span class="status fail">no lab cluster</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </Loading>
  );
}

function SignInRow({ s }: { s: SignIn }) {
  const diff = s.federatedCredential?.differences?.map((d) => `${d.field}: expected ${d.expected}, presented ${d.presented}`).join("; ");
  return (
    <tr data-signin={s.id} class={s.status.errorCode ? "failed" : ""}>
      <td><time>{s.createdDateTime}</time></td>
      <td>{s.servicePrincipalName ?? s.userPrincipalName ?? s.appId}</td>
      <td>{s.resourceDisplayName ?? ""}</td>
      <td>{s.status.errorCode ? <span class="status fail">AADSTS{s.status.errorCode}</span> : <span class="status pass">success</span>}</td>
      <td>{s.status.failureReason ?? ""}{diff ? <div class="hint">{diff}</div> : null}</td>
    </tr>
  );
}

export function SignIns() {
  const [rows, setRows] = useState<SignIn[]>([]);
  const [filter, setFilter] = useState({ errorCode: "", text: "" });
  const [live, setLive] = useState(false);
  useEffect(() => {
    let source: EventSource | undefined;
    get<{ value: SignIn[] }>("/portal/api/signins?top=200").then((d) => {
      setRows(d.value);
      const since = d.value[0]?.createdDateTime ?? "";
      source = new EventSource(`/portal/api/signins/stream${since ? `?since=${encodeURIComponent(since)}` : ""}`);
      source.addEventListener("open", () => setLive(true));
      source.addEventListener("signIn", (ev) => {
        const r = JSON.parse((ev as MessageEvent<string>).data) as SignIn;
        setRows((old) => (old.some((o) => o.id === r.id) ? old : [r, ...old]));
      });
    }, () => undefined);
    return () => source?.close();
  }, []);
  const shown = rows.filter((r) => (filter.errorCode === "" || String(r.status.errorCode) === filter.errorCode) && (filter.text === "" || JSON.stringify(r).toLowerCase().includes(filter.text.toLowerCase())));
  return (
    <div>
      <h2>Sign-in logs {live ? <span class="live" aria-label="live">● live</span> : null}</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>Error code <input name="errorCode" inputMode="numeric" value={filter.errorCode} onInput={(e) => setFilter({ ...filter, errorCode: (e.target as HTMLInputElement).value.trim() })} /></label>
        <label>Contains <input name="text" value={filter.text} onInput={(e) => setFilter({ ...filter, text: (e.target as HTMLInputElement).value })} /></label>
      </form>
      <table>
        <caption>{shown.length} of {rows.length} sign-ins, newest first</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Principal</th><th scope="col">Resource</th><th scope="col">Status</th><th scope="col">Failure reason and hint</th></tr></thead>
        <tbody>{shown.map((s) => <SignInRow key={s.id} s={s} />)}</tbody>
      </table>
    </div>
  );
}

export function Audit() {
  const { data, error } = useApi<{ value: AuditEvent[] }>("/portal/api/auditEvents?top=200", 5000);
  return (
    <Loading error={error} ready={!!data}>
      <h2>Key Vault audit logs</h2>
      <table>
        <thead><tr><th scope="col">Time</th><th scope="col">Vault</th><th scope="col">Operation</th><th scope="col">Result</th><th scope="col">Caller</th><th scope="col">Denied because</th></tr></thead>
        <tbody>
          {(data?.value ?? []).map((a) => (
            <tr key={a.id}>
              <td><time>{a.time}</time></td><td>{a.resourceId.split("/").pop()}</td><td>{a.operationName}</td>
              <td><span class={`status ${a.properties.httpStatusCode < 400 ? "pass" : "fail"}`}>{a.properties.httpStatusCode} {a.resultSignature}</span></td>
              <td>{a.identity.claim.upn ?? a.identity.claim.appid ?? ""}</td><td>{a.authorization?.deniedReason ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Loading>
  );
}

interface ClusterRow {
  name: string;
  resourceGroup: string;
  issuer: string;
  nextRotation: string;
  keys: { kid: string; createdAt: string; retireAt: string; active: boolean }[];
}

export function Clusters() {
  const { data, error } = useApi<{ value: ClusterRow[] }>("/portal/api/clusters");
  return (
    <Loading error={error} ready={!!data}>
      <h2>Clusters</h2>
      {(data?.value ?? []).map((c) => (
        <section key={c.name}>
          <h3>{c.name} <small>({c.resourceGroup})</small></h3>
          <p>Issuer <code>{c.issuer}</code>; next key rotation <time>{c.nextRotation}</time> (lab clock)</p>
          <ol class="timeline" aria-label={`signing keys of ${c.name}`}>
            {c.keys.map((k) => <li key={k.kid}><code>{k.kid}</code> created <time>{k.createdAt}</time>, published until <time>{k.retireAt}</time>{k.active ? " — signing now" : ""}</li>)}
          </ol>
        </section>
      ))}
    </Loading>
  );
}

export function Match() {
  const [token, setToken] = useState("");
  const [result, setResult] = useState<{ claims: Record<string, unknown>; rows: MatchRow[] } | undefined>();
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    setError("");
    try {
      setResult(await post<{ claims: Record<string, unknown>; rows: MatchRow[] }>("/portal/api/match", { token }));
    } catch (err) {
      setResult(undefined);
      setError((err as Error).message);
    }
  };
  return (
    <div>
      <h2>Which credential matches?</h2>
      <form onSubmit={(e) => void submit(e)}>
        <label for="token">Paste a service-account token (a JWT)</label>
        <textarea id="token" name="token" rows={5} value={token} onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)} />
        <button type="submit" class="primary">Compare</button>
      </form>
      {error ? <p class="error" role="alert">{error}</p> : null}
      {result ? (
        <div>
          <p>Issuer <code>{String(result.claims.iss)}</code>, subject <code>{String(result.claims.sub)}</code>, audience <code>{JSON.stringify(result.claims.aud)}</code></p>
          <table>
            <thead><tr><th scope="col">Identity</th><th scope="col">Credential</th><th scope="col">Result</th></tr></thead>
            <tbody>
              {result.rows.map((r) => (
                <tr key={`${r.identity}/${r.credential}`} data-credential={r.credential}>
                  <td>{r.identity}</td><td>{r.credential}</td>
                  <td>{r.matches ? <span class="status pass">matches</span> : <span class="status fail">{r.summary}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
