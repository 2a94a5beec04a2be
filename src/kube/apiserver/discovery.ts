/**
 * Discovery as kube-apiserver serves it in the legacy (unaggregated) form kubectl falls back to:
 * `/version`, `/api`, `/apis`, `/api/v1`, `/apis/<g>/<v>`, and an `/openapi/v3` whose PATCH operations
 * carry `x-kubernetes-group-version-kind` and a `fieldValidation` query parameter (so kubectl's default
 * `--validate=strict` uses server-side field validation), without request bodies (so `kubectl apply`
 * computes its strategic merge patches from its compiled-in types).
 */
import { createHash } from "node:crypto";
import type { ClusterRecord } from "../Cluster.js";
import { GROUPS, RESOURCES, groupVersion, type ResourceDef } from "./resources.js";

export function versionInfo(c: ClusterRecord): Record<string, string> {
  const [major = "1", minor = "0"] = c.kubernetesVersion.split(".");
  return {
    major,
    minor,
    gitVersion: `v${c.kubernetesVersion}`,
    gitCommit: createHash("sha1").update(`wilab-kube-${c.kubernetesVersion}`).digest("hex"),
    gitTreeState: "clean",
    buildDate: "2025-03-11T19:52:21Z",
    goVersion: "go1.23.6",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function groupEntry(g: { name: string; version: string }): Record<string, unknown> {
  const gv = { groupVersion: `${g.name}/${g.version}`, version: g.version };
  return { name: g.name, versions: [gv], preferredVersion: gv };
}

export function apiGroupList(): Record<string, unknown> {
  return { kind: "APIGroupList", apiVersion: "v1", groups: GROUPS.map(groupEntry) };
}

export function apiGroup(name: string): Record<string, unknown> | undefined {
  const g = GROUPS.find((x) => x.name === name);
  return g ? { kind: "APIGroup", apiVersion: "v1", ...groupEntry(g) } : undefined;
}

function storageVersionHash(r: ResourceDef): string {
  return createHash("sha256").update(`${groupVersion(r)}/${r.kind}`).digest("base64").slice(0, 11);
}

export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const gv = group ? `${group}/${version}` : version;
  const own = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (own.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const r of own) {
    resources.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
      ...(r.virtual ? {} : { storageVersionHash: storageVersionHash(r) }),
    });
    for (const s of r.subresources) {
      resources.push({
        name: `${r.resource}/${s.name}`,
        singularName: "",
        namespaced: r.namespaced,
        ...(s.group !== undefined ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  resources.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources };
}

export function rootPaths(): Record<string, unknown> {
  const paths = ["/api", "/api/v1", "/apis", "/apis/", ...GROUPS.flatMap((g) => [`/apis/${g.name}`, `/apis/${g.name}/${g.version}`]), "/healthz", "/livez", "/openapi/v3", "/readyz", "/version"];
  return { paths: paths.sort() };
}

// ---- OpenAPI v3 ----

const q = (name: string, description: string) => ({ name, in: "query", description, schema: { type: "string", uniqueItems: true } });
const P = {
  dryRun: q("dryRun", "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed"),
  fieldManager: q("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
  fieldValidation: q("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn (default) - Strict"),
  force: { name: "force", in: "query", description: "Force is going to \"force\" Apply requests.", schema: { type: "boolean", uniqueItems: true } },
  pretty: q("pretty", "If 'true', then the output is pretty printed."),
};
/** Connect subresources (streams): their operations take the connection options, not an object. */
const CONNECT = new Set(["log", "exec", "attach", "portforward"]);
const nameParam = (kind: string) => ({ name: "name", in: "path", description: `name of the ${kind}`, required: true, schema: { type: "string", uniqueItems: true } });
const nsParam = { name: "namespace", in: "path", description: "object name and auth scope, such as for teams and projects", required: true, schema: { type: "string", uniqueItems: true } };

function ok(): Record<string, unknown> {
  return { "200": { description: "OK" }, "401": { description: "Unauthorized" } };
}

function gvPaths(group: string, version: string): Record<string, unknown> {
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const paths: Record<string, unknown> = {};
  for (const r of RESOURCES.filter((x) => x.group === group && x.version === version)) {
    const gvk = { group, version, kind: r.kind };
    const coll = r.namespaced ? `${base}/namespaces/{namespace}/${r.resource}` : `${base}/${r.resource}`;
    const one = `${coll}/{name}`;
    const pathParams = r.namespaced ? [nsParam] : [];
    const op = (action: string, params: unknown[]) => ({
      tags: [group ? `${group.split(".")[0]}_${version}` : `core_${version}`],
      operationId: `${action}${r.namespaced ? "Namespaced" : ""}${r.kind}`,
      parameters: params,
      responses: ok(),
      "x-kubernetes-action": action,
      "x-kubernetes-group-version-kind": gvk,
    });
    paths[coll] = {
      ...(r.verbs.includes("list") ? { get: op("list", []) } : {}),
      ...(r.verbs.includes("create") ? { post: op("post", [P.dryRun, P.fieldManager, P.fieldValidation]) } : {}),
      parameters: [...pathParams, P.pretty],
    };
    if (r.virtual) continue;
    paths[one] = {
      get: op("get", []),
      put: op("put", [P.dryRun, P.fieldManager, P.fieldValidation]),
      delete: op("delete", [P.dryRun]),
      patch: op("patch", [P.dryRun, P.fieldManager, P.fieldValidation, P.force]),
      parameters: [nameParam(r.kind), ...pathParams, P.pretty],
    };
    for (const s of r.subresources) {
      const sgvk = { group: s.group ?? group, version: s.version ?? version, kind: s.kind };
      const sp = `${one}/${s.name}`;
      const sop = (action: string, params: unknown[]) => ({ ...op(action, params), "x-kubernetes-group-version-kind": sgvk });
      paths[sp] = {
        ...(s.verbs.includes("get") ? { get: sop(CONNECT.has(s.name) ? "connect" : "get", []) } : {}),
        ...(s.verbs.includes("create") ? { post: CONNECT.has(s.name) ? sop("connect", []) : sop("post", [P.dryRun, P.fieldManager, P.fieldValidation]) } : {}),
        ...(s.verbs.includes("update") ? { put: sop("put", [P.dryRun, P.fieldManager, P.fieldValidation]) } : {}),
        ...(s.verbs.includes("patch") ? { patch: sop("patch", [P.dryRun, P.fieldManager, P.fieldValidation, P.force]) } : {}),
        parameters: [nameParam(r.kind), ...pathParams],
      };
    }
  }
  return paths;
}

/** The `/openapi/v3/<path>` documents, keyed by path (`api/v1`, `apis/<g>/<v>`). */
export function openApiV3Docs(c: ClusterRecord): Map<string, string> {
  const docs = new Map<string, string>();
  const add = (key: string, group: string, version: string) => {
    docs.set(
      key,
      JSON.stringify({
        openapi: "3.0.0",
        info: { title: "Kubernetes", version: `v${c.kubernetesVersion}` },
        paths: gvPaths(group, version),
        components: { schemas: {}, securitySchemes: { BearerToken: { type: "apiKey", description: "Bearer Token authentication", name: "authorization", in: "header" } } },
      }),
    );
  };
  add("api/v1", "", "v1");
  for (const g of GROUPS) add(`apis/${g.name}/${g.version}`, g.name, g.version);
  return docs;
}

export function openApiV3Index(docs: Map<string, string>): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const [k, body] of docs) {
    const hash = createHash("sha512").update(body).digest("hex").toUpperCase().slice(0, 128);
    paths[k] = { serverRelativeURL: `/openapi/v3/${k}?hash=${hash}` };
  }
  return { paths };
}

function pbString(field: number, s: string): Buffer {
  const b = Buffer.from(s, "utf8");
  return Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
}

/**
 * `/openapi/v2` as the protobuf kubectl asks for: a document without paths or definitions, so that kubectl's
 * v2 fallbacks (unknown kinds) skip client-side validation and report the kind as unknown, like with a real server.
 */
export function openApiV2Protobuf(c: ClusterRecord): Buffer {
  const info = Buffer.concat([pbString(1, "Kubernetes"), pbString(2, `v${c.kubernetesVersion}`)]);
  return Buffer.concat([pbString(1, "2.0"), Buffer.from([(2 << 3) | 2, info.length]), info]);
}
