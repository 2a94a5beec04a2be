// One workload's trust chain as an SVG graph laid out by dagre: nodes open their details, edges are
// coloured by the doctor's checks, and red edges carry the failing check, its fix command, and — where the
// portal can apply it — a button that sends the fix through ARM.
import { useEffect, useMemo, useState } from "preact/hooks";
import dagre from "@dagrejs/dagre";
import { get, post } from "./api.js";
import type { ChainAction, ChainEdge, ChainGraph, ChainNode } from "./types.js";

const NODE_W = 300;
const NODE_H = 54;
export const EDGE_COLOURS: Record<string, string> = { pass: "#107c10", fail: "#c50f1f", warn: "#8a6100", skip: "#707070" };

interface Laid {
  nodes: (ChainNode & { x: number; y: number })[];
  edges: (ChainEdge & { points: { x: number; y: number }[] })[];
  width: number;
  height: number;
}

function layout(g: ChainGraph): Laid {
  const d = new dagre.graphlib.Graph();
  d.setGraph({ rankdir: "TB", nodesep: 30, ranksep: 46, marginx: 12, marginy: 12 });
  d.setDefaultEdgeLabel(() => ({}));
  for (const n of g.nodes) d.setNode(n.id, { width: NODE_W, height: NODE_H });
  for (const e of g.edges) d.setEdge(e.from, e.to);
  dagre.layout(d);
  const graph = d.graph();
  return {
    nodes: g.nodes.map((n) => ({ ...n, x: d.node(n.id).x, y: d.node(n.id).y })),
    edges: g.edges.map((e) => ({ ...e, points: d.edge(e.from, e.to).points })),
    width: graph.width ?? NODE_W,
    height: graph.height ?? NODE_H,
  };
}

type Selection = { type: "node"; node: ChainNode } | { type: "edge"; edge: ChainEdge } | undefined;

function actionLabel(a: ChainAction): string {
  return a.kind === "addFederatedCredential" ? `Add federated credential ${a.name} to ${a.identityName}` : `Assign ${a.roleName} to ${a.principalName} on the vault`;
}

function Details({ sel, actions, onFix, busy }: { sel: Selection; actions: ChainAction[]; onFix: (a: ChainAction) => void; busy: boolean }) {
  if (!sel) return <p class="muted">Select a node or an edge (click, or Tab then Enter) to see its details.</p>;
  if (sel.type === "node") {
    return (
      <section aria-label="node details">
        <h3>{sel.node.label}</h3>
        <dl>{Object.entries(sel.node.details).map(([k, v]) => [<dt key={`${k}t`}>{k}</dt>, <dd key={`${k}d`}>{v}</dd>])}</dl>
      </section>
    );
  }
  const e = sel.edge;
  const relevant = actions.filter((a) => (a.kind === "addFederatedCredential" ? e.checks.some((c) => c.id === "federated-credential") : e.checks.some((c) => c.id === "role-assignment")));
  return (
    <section aria-label="edge details">
      <h3>
        {e.from} → {e.to}: <span class={`status ${e.status}`}>{e.status}</span>
      </h3>
      {e.checks.map((c) => (
        <div class={`check ${c.status}`} key={c.id} data-check={c.id}>
          <strong>{c.title}</strong> <span class={`status ${c.status}`}>{c.status}</span>
          <p>{c.detail}</p>
          {c.fix ? (
            <p>
              Fix: <code class="fix">{c.fix}</code>
            </p>
          ) : null}
        </div>
      ))}
      {e.status === "fail"
        ? relevant.map((a) => (
            <button key={a.kind} class="primary" disabled={busy} onClick={() => onFix(a)} data-action={a.kind}>
              {actionLabel(a)}
            </button>
          ))
        : null}
    </section>
  );
}

function edgePath(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x},${p.y}`).join(" ");
}

function Svg({ laid, onSelect }: { laid: Laid; onSelect: (s: Selection) => void }) {
  const key = (fn: () => void) => (ev: KeyboardEvent) => {
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      fn();
    }
  };
  return (
    <svg width={laid.width} height={laid.height} viewBox={`0 0 ${laid.width} ${laid.height}`} role="group" aria-label="trust chain" class="chain">
      <defs>
        {Object.entries(EDGE_COLOURS).map(([s, c]) => (
          <marker key={s} id={`arrow-${s}`} viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="14" markerHeight="14" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill={c} />
          </marker>
        ))}
      </defs>
      {laid.edges.map((e) => (
        <g key={`${e.from}-${e.to}`} class={`edge ${e.status}`} data-from={e.from} data-to={e.to} data-status={e.status} tabindex={0} role="button"
          aria-label={`${e.from} to ${e.to}: ${e.status}`} onClick={() => onSelect({ type: "edge", edge: e })} onKeyDown={key(() => onSelect({ type: "edge", edge: e }))}>
          <title>{e.checks.map((c) => `${c.title}: ${c.status} — ${c.detail}${c.fix ? `\nFix: ${c.fix}` : ""}`).join("\n")}</title>
          <path d={edgePath(e.points)} stroke={EDGE_COLOURS[e.status]} stroke-width={e.status === "fail" ? 4 : 2.5} fill="none" marker-end={`url(#arrow-${e.status})`} />
          <path d={edgePath(e.points)} stroke="transparent" stroke-width="16" fill="none" />
        </g>
      ))}
      {laid.nodes.map((n) => (
        <g key={n.id} class="node" data-node={n.id} transform={`translate(${n.x - NODE_W / 2},${n.y - NODE_H / 2})`} tabindex={0} role="button" aria-label={n.label}
          onClick={() => onSelect({ type: "node", node: n })} onKeyDown={key(() => onSelect({ type: "node", node: n }))}>
          <rect width={NODE_W} height={NODE_H} rx="6" />
          <text x={NODE_W / 2} y={NODE_H / 2 + 5} text-anchor="middle">
            {n.label.length > 40 ? `${n.label.slice(0, 39)}…` : n.label}
          </text>
        </g>
      ))}
    </svg>
  );
}

export function ChainView({ query }: { query: URLSearchParams }) {
  const [graph, setGraph] = useState<ChainGraph | undefined>();
  const [error, setError] = useState<string>("");
  const [sel, setSel] = useState<Selection>();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState("");
  const path = `/portal/api/chain?${query.toString()}`;
  const load = () => get<ChainGraph>(path).then(setGraph, (e: Error) => setError(e.message));
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 3000);
    return () => clearInterval(t);
  }, [path]);
  const laid = useMemo(() => (graph ? layout(graph) : undefined), [graph]);
  useEffect(() => {
    if (!graph || !sel) return;
    if (sel.type === "edge") setSel({ type: "edge", edge: graph.edges.find((e) => e.from === sel.edge.from && e.to === sel.edge.to) ?? sel.edge });
  }, [graph]);
  const onFix = async (a: ChainAction) => {
    setBusy(true);
    setNote("");
    try {
      await post("/portal/api/fix", a);
      setNote(`Applied: ${actionLabel(a)}. The edge turns green after the pod's next sign-in.`);
      await load();
    } catch (e) {
      setNote(`Refused: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!graph || !laid) return <p>Loading the chain…</p>;
  return (
    <div>
      <h2>
        Chain of {graph.target} <span class={`status ${graph.ok ? "pass" : "fail"}`}>{graph.ok ? "healthy" : "broken"}</span>
      </h2>
      {note ? <p role="status" class="note">{note}</p> : null}
      <div class="chain-layout">
        <Svg laid={laid} onSelect={setSel} />
        <aside class="details">
          <Details sel={sel} actions={graph.actions} onFix={(a) => void onFix(a)} busy={busy} />
        </aside>
      </div>
    </div>
  );
}
