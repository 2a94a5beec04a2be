/**
 * The registry layer of the lab's kube-apiserver: decode (strict field validation), defaulting,
 * admission, validation and storage for create, get, list, update, patch and delete — separate from
 * HTTP (index.ts), admission (../admission) and storage (KubeStorage).
 */
import fastJsonPatch from "fast-json-patch";
import type { Operation as PatchOp } from "fast-json-patch";
import { parse as parseYaml } from "yaml";
import type { KubeContext } from "../KubeContext.js";
import type { ClusterRecord } from "../Cluster.js";
import type { KubeObject } from "../KubeStorage.js";
import { KubeErrors, KubeStatusError, type StatusCause } from "../KubeStatusError.js";
import { admit, randomSuffix, type UserInfo } from "../admission/index.js";
import { decodeInto } from "./schema.js";
import { decodeProtobuf } from "./protobuf.js";
import { exceedsDepth, GO_MAX_DEPTH } from "../../platform/index.js";
import { validateObject, jsonEqual } from "./validation.js";
import { strategicMerge, jsonMergePatch, StrategicMergeError } from "./strategicMerge.js";
import { matchRequirements, type Requirement } from "./labelSelector.js";
import { matchFields, type FieldRequirement } from "./fieldSelector.js";
import { groupVersion, type ResourceDef } from "./resources.js";
import { eventExpired } from "../events.js";
import { kindStrategy } from "./strategies/index.js";
import { deletionFinalizers } from "./propagation.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export interface OpContext {
  cluster: ClusterRecord;
  user: UserInfo;
  dryRun: boolean;
  fieldValidation: FieldValidation;
  fieldManager?: string;
  warnings: string[];
}

export interface ListOptions {
  label: Requirement[];
  field: FieldRequirement[];
  limit?: number;
  continueToken?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remaining?: number;
}

export const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

/** Go's words for a JSON syntax error (encoding/json), from a JavaScript SyntaxError. */
export function goJsonError(text: string, err: Error): string {
  if (text.trim() === "") return "unexpected end of JSON input";
  if (/end of (JSON|data)/i.test(err.message)) return "unexpected end of JSON input";
  const m = /position (\d+)/.exec(err.message);
  const pos = m ? Number(m[1]) : -1;
  const c = pos >= 0 && pos < text.length ? text[pos]! : "";
  if (!c) return "unexpected end of JSON input";
  if (/non-whitespace character after JSON/.test(err.message)) return `invalid character '${c}' after top-level value`;
  if (/property name|Expected double-quoted/.test(err.message)) return `invalid character '${c}' looking for beginning of object key string`;
  return `invalid character '${c}' looking for beginning of value`;
}

/** The deepest JSON body the lab reads (kube-apiserver: 10000, Go's limit; see parseBody). */
export const KUBE_LAB_MAX_DEPTH = 1000;

/** Parses a request body by its content type (JSON or YAML); BadRequest when it is malformed. */
export function parseBody(buf: Buffer | undefined, contentType: string): unknown {
  const text = (buf ?? Buffer.alloc(0)).toString("utf8");
  const mt = contentType.split(";")[0]!.trim().toLowerCase();
  if (mt === "application/vnd.kubernetes.protobuf") {
    try {
      return decodeProtobuf(buf ?? Buffer.alloc(0));
    } catch {
      /* answered 415 below, like a server without that kind's protobuf */
    }
  }
  if (mt !== "" && mt !== "application/json" && mt !== "application/yaml" && !mt.endsWith("-patch+json") && mt !== "application/apply-patch+yaml" && mt !== "*/*") {
    throw KubeErrors.unsupportedBodyType();
  }
  if (mt === "application/yaml" || mt === "application/apply-patch+yaml") {
    try {
      // kube-apiserver converts YAML to JSON before decoding (sigs.k8s.io/yaml): a !!binary value becomes its base64
      // string and a timestamp its text, so only JSON's types reach the decoder.
      const parsed: unknown = parseYaml(text);
      // (The holder's own value: a Buffer's toJSON has already run on the replacer's second argument.)
      const asJson = function (this: Record<string, unknown>, k: string, v: unknown): unknown {
        const raw = this[k];
        return raw instanceof Uint8Array ? Buffer.from(raw).toString("base64") : v;
      };
      const json = parsed === undefined ? "null" : (JSON.stringify(parsed, asJson) ?? "null");
      // The lab's bound on depth (see below), in go-yaml's words.
      if (exceedsDepth(json, KUBE_LAB_MAX_DEPTH)) throw new RangeError("too deep");
      return JSON.parse(json) as unknown;
    } catch (e) {
      // Too deep for the parser's recursion: go-yaml's own refusal of deep documents.
      const msg = e instanceof RangeError || /Maximum call stack/.test((e as Error).message) ? `exceeded max depth of ${GO_MAX_DEPTH}` : (e as Error).message.split("\n")[0];
      throw KubeErrors.badRequest(`couldn't get version/kind; json parse error: error converting YAML to JSON: yaml: ${msg}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (e) {
    throw KubeErrors.badRequest(`couldn't get version/kind; json parse error: ${goJsonError(text, e as Error)}`);
  }
  // Go's encoding/json scanner refuses more than 10000 levels, before anything else reads the body. The lab's own
  // code copies and merges objects recursively, which JavaScript's stack bears to about 2,000 levels: the lab
  // refuses from KUBE_LAB_MAX_DEPTH on, with Go's answer (a known difference, for bodies no manifest comes near).
  if (exceedsDepth(text, Math.min(GO_MAX_DEPTH, KUBE_LAB_MAX_DEPTH))) throw KubeErrors.badRequest("couldn't get version/kind; json parse error: exceeded max depth");
  return value;
}

function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

export class Registry {
  constructor(private readonly kube: KubeContext) {}

  private now(): number {
    return this.kube.ctx.clock.now();
  }

  /** Decodes a body into an object of the resource's kind: type mismatches, unknown fields per fieldValidation. */
  decode(def: ResourceDef, body: unknown, o: OpContext, forPatch = false): KubeObject {
    if (!isObj(body)) {
      throw KubeErrors.badRequest(
        `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKind(body)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
      );
    }
    const gv = groupVersion(def);
    if (body.apiVersion !== undefined && body.apiVersion !== "" && body.apiVersion !== gv) {
      throw KubeErrors.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${gv})`);
    }
    if (body.kind !== undefined && body.kind !== "" && body.kind !== def.kind) {
      throw KubeErrors.badRequest(`${String(body.kind)} in version "${def.version}" cannot be handled as a ${def.kind}: no kind "${String(body.kind)}" is registered for version "${gv}"`);
    }
    const obj = structuredClone(body) as Obj;
    const res = decodeInto(def.schema, obj);
    const prefix = forPatch ? "" : `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: `;
    if (res.typeError) throw KubeErrors.badRequest(`${prefix}${res.typeError}`);
    if (res.unknown.length) {
      const list = res.unknown.map((f) => `unknown field "${f}"`);
      if (o.fieldValidation === "Strict") throw KubeErrors.badRequest(`${prefix}strict decoding error: ${list.join(", ")}`);
      if (o.fieldValidation === "Warn") o.warnings.push(...list);
    }
    obj.apiVersion = gv;
    obj.kind = def.kind;
    if (!isObj(obj.metadata)) obj.metadata = {};
    return obj as unknown as KubeObject;
  }

  /** Re-decodes an object that admission changed (unknown fields dropped, defaults applied again). */
  normalize(def: ResourceDef, o: KubeObject): void {
    decodeInto(def.schema, o);
    kindStrategy(def.kind).defaults(o);
  }

  private namespaceFor(def: ResourceDef, obj: KubeObject, ns: string | undefined): void {
    if (def.namespaced) {
      if (obj.metadata.namespace && ns && obj.metadata.namespace !== ns) {
        throw KubeErrors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      obj.metadata.namespace = ns ?? obj.metadata.namespace;
    } else {
      delete obj.metadata.namespace;
    }
  }

  private async checkNamespace(c: ClusterRecord, def: ResourceDef, ns: string | undefined, creating: boolean): Promise<void> {
    if (!def.namespaced || !ns) return;
    const n = await this.kube.storage.read((tx) => tx.get(c.clusterId, "namespaces", undefined, ns));
    if (!n) throw KubeErrors.notFound("namespaces", ns);
    if (creating && n.metadata.deletionTimestamp) {
      throw KubeErrors.forbidden(def.resource, "", `unable to create new content in namespace ${ns} because it is being terminated`, def.group);
    }
  }

  async get(c: ClusterRecord, def: ResourceDef, ns: string | undefined, name: string): Promise<KubeObject> {
    const o = await this.kube.storage.read((tx) => tx.get(c.clusterId, def.resource, def.namespaced ? ns : undefined, name));
    // Events live an hour after their last write (--event-ttl): etcd has dropped an older one.
    if (!o || (def.resource === "events" && eventExpired(o, this.now()))) throw KubeErrors.notFound(def.resource, name, def.group);
    return withTypeMeta(def, o);
  }

  async list(c: ClusterRecord, def: ResourceDef, ns: string | undefined, opts: ListOptions): Promise<ListResult> {
    const { items, rv } = await this.kube.storage.read(async (tx) => ({
      items: await tx.list(c.clusterId, def.resource, def.namespaced ? ns : undefined),
      rv: await tx.currentVersion(c.clusterId),
    }));
    let start = "";
    let listRv = rv;
    if (opts.continueToken) {
      try {
        const t = JSON.parse(Buffer.from(opts.continueToken, "base64url").toString("utf8")) as { rv?: string; start?: string };
        if (typeof t.start !== "string" || typeof t.rv !== "string") throw new Error("bad token");
        start = t.start;
        listRv = t.rv;
      } catch {
        throw KubeErrors.badRequest(`continue key is not valid: illegal base64 data or incorrect encoding`);
      }
    }
    const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    const now = this.now();
    const filtered = items
      .filter((o) => def.resource !== "events" || !eventExpired(o, now))
      .filter((o) => matchRequirements(o.metadata.labels, opts.label) && matchFields(def.resource, o, opts.field))
      .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))
      .filter((o) => !start || keyOf(o) > start);
    if (opts.limit && opts.limit > 0 && filtered.length > opts.limit) {
      const page = filtered.slice(0, opts.limit);
      const token = Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: listRv, start: keyOf(page[page.length - 1]!) })).toString("base64url");
      const remaining = opts.label.length === 0 && opts.field.length === 0 ? filtered.length - page.length : undefined;
      return { items: page, resourceVersion: listRv, continueToken: token, remaining };
    }
    return { items: filtered, resourceVersion: listRv };
  }

  async create(def: ResourceDef, ns: string | undefined, body: unknown, o: OpContext): Promise<KubeObject> {
    const c = o.cluster;
    const obj = this.decode(def, body, o);
    this.namespaceFor(def, obj, ns);
    const m = obj.metadata;
    if (m.resourceVersion) throw KubeErrors.badRequest("resourceVersion should not be set on objects to be created");
    for (const k of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "managedFields"]) delete m[k];
    await this.checkNamespace(c, def, m.namespace, true);
    const strategy = kindStrategy(def.kind);
    strategy.defaults(obj);
    strategy.prepareForAdmission(obj);

    const admitted = await admit(this.kube, {
      clusterId: c.clusterId,
      operation: "CREATE",
      group: def.group,
      version: def.version,
      kind: def.kind,
      resource: def.resource,
      subresource: "",
      namespaced: def.namespaced,
      namespace: m.namespace ?? "",
      name: m.name ?? "",
      object: obj,
      user: o.user,
      dryRun: o.dryRun,
      options: { kind: "CreateOptions", apiVersion: "meta.k8s.io/v1", ...(o.fieldManager ? { fieldManager: o.fieldManager } : {}) },
      normalize: (x) => this.normalize(def, x),
    });
    o.warnings.push(...admitted.warnings);
    const out = admitted.object;
    const om = out.metadata;
    if (!om.name && om.generateName) om.name = String(om.generateName).slice(0, 58) + randomSuffix(this.kube.ctx.random.bytes(5));
    if (strategy.uidBeforePrepare) om.uid = this.kube.ctx.random.uuid();
    strategy.prepareForCreate(out);
    const causes = [...validateObject(out), ...strategy.validate(out)];
    if (causes.length) throw KubeErrors.invalid(def.kind, om.name ?? "", causes, def.group);

    if (o.dryRun) {
      const exists = await this.kube.storage.read((tx) => tx.get(c.clusterId, def.resource, om.namespace, om.name));
      if (exists) throw KubeErrors.alreadyExists(def.resource, om.name, def.group);
      om.uid ||= this.kube.ctx.random.uuid();
      om.creationTimestamp = rfc3339(this.now());
      return withTypeMeta(def, out);
    }
    const stored = await this.kube.storage.write((tx) => tx.create(c.clusterId, def.resource, out, def.group));
    return withTypeMeta(def, stored);
  }

  /** PUT: a whole object (main resource or `status`). */
  async update(def: ResourceDef, ns: string | undefined, name: string, sub: string, body: unknown, o: OpContext): Promise<KubeObject> {
    const obj = this.decode(def, body, o);
    this.namespaceFor(def, obj, ns);
    if (obj.metadata.name && obj.metadata.name !== name) {
      throw KubeErrors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    obj.metadata.name = name;
    const current = await this.kube.storage.read((tx) => tx.get(o.cluster.clusterId, def.resource, def.namespaced ? ns : undefined, name));
    if (!current) throw KubeErrors.notFound(def.resource, name, def.group);
    const expected = obj.metadata.resourceVersion || undefined;
    if (expected && expected !== current.metadata.resourceVersion) throw KubeErrors.conflict(def.resource, name, def.group);
    return this.commitUpdate(def, sub, current, obj, expected, o);
  }

  /** PATCH with any of kube's patch types; retried on a conflict the client did not ask for. */
  async patch(def: ResourceDef, ns: string | undefined, name: string, sub: string, contentType: string, raw: Buffer | undefined, o: OpContext): Promise<{ obj: KubeObject; created: boolean }> {
    const mt = contentType.split(";")[0]!.trim().toLowerCase();
    const supported = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml", "application/apply-patch+cbor"];
    if (!supported.includes(mt) || mt === "application/apply-patch+cbor") throw KubeErrors.unsupportedMediaType(mt || "");
    const patch = parseBody(raw, mt);
    const nsKey = def.namespaced ? ns : undefined;
    for (let attempt = 0; ; attempt++) {
      const current = await this.kube.storage.read((tx) => tx.get(o.cluster.clusterId, def.resource, nsKey, name));
      if (!current) {
        if (mt === "application/apply-patch+yaml" && sub === "") {
          if (!o.fieldManager) throw KubeErrors.badRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
          const body = isObj(patch) ? { ...patch, metadata: { ...(isObj(patch.metadata) ? patch.metadata : {}), name } } : patch;
          return { obj: await this.create(def, ns, body, o), created: true };
        }
        throw KubeErrors.notFound(def.resource, name, def.group);
      }
      const base = withTypeMeta(def, structuredClone(current));
      let patched: unknown;
      switch (mt) {
        case "application/json-patch+json": {
          if (!Array.isArray(patch)) throw KubeErrors.badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type jsonpatch.Patch`);
          try {
            patched = fastJsonPatch.applyPatch(structuredClone(base), patch as PatchOp[], true, false).newDocument;
          } catch (e) {
            throw KubeErrors.jsonPatchFailed(jsonPatchMessage(e as Error));
          }
          break;
        }
        case "application/merge-patch+json":
          if (!isObj(patch)) throw KubeErrors.badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`);
          patched = jsonMergePatch(base, patch);
          break;
        case "application/strategic-merge-patch+json":
        case "application/apply-patch+yaml":
          if (!isObj(patch)) throw KubeErrors.badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`);
          if (mt === "application/apply-patch+yaml" && !o.fieldManager) throw KubeErrors.badRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
          try {
            patched = strategicMerge(base, patch, def.schema);
          } catch (e) {
            if (e instanceof StrategicMergeError) throw KubeErrors.badRequest(e.message);
            throw e;
          }
          break;
      }
      const obj = this.decode(def, patched, o, true);
      const pm = obj.metadata;
      if (pm.name !== name) pm.name = name;
      if (def.namespaced) pm.namespace = ns;
      const precondition = pm.resourceVersion && pm.resourceVersion !== current.metadata.resourceVersion ? pm.resourceVersion : undefined;
      if (precondition) throw KubeErrors.conflict(def.resource, name, def.group);
      try {
        return { obj: await this.commitUpdate(def, sub, current, obj, current.metadata.resourceVersion, o), created: false };
      } catch (e) {
        if (e instanceof KubeStatusError && e.reason === "Conflict" && attempt < 5) continue;
        throw e;
      }
    }
  }

  private async commitUpdate(def: ResourceDef, sub: string, current: KubeObject, obj: KubeObject, expected: string | undefined, o: OpContext): Promise<KubeObject> {
    const c = o.cluster;
    const cm = current.metadata;
    const m = obj.metadata as Obj;
    const cmo = cm as Obj;
    // PrepareForUpdate: what the client may not change
    for (const k of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"]) {
      if (cmo[k] !== undefined) m[k] = cmo[k];
      else delete m[k];
    }
    const strategy = kindStrategy(def.kind);
    if (sub === "status" && strategy.prepareForStatusUpdate) {
      obj = strategy.prepareForStatusUpdate(obj, current);
    } else if (sub === "status") {
      const keep = structuredClone(current) as Obj;
      keep.status = (obj as Obj).status;
      const next = keep as unknown as KubeObject;
      next.metadata.resourceVersion = typeof m.resourceVersion === "string" && m.resourceVersion ? m.resourceVersion : cm.resourceVersion;
      obj = next;
    } else {
      strategy.prepareForUpdate(obj, current);
    }
    strategy.defaults(obj);

    let out = obj;
    if (sub === "" && !def.virtual) {
      const admitted = await admit(this.kube, {
        clusterId: c.clusterId,
        operation: "UPDATE",
        group: def.group,
        version: def.version,
        kind: def.kind,
        resource: def.resource,
        subresource: sub,
        namespaced: def.namespaced,
        namespace: obj.metadata.namespace ?? "",
        name: obj.metadata.name,
        object: obj,
        oldObject: withTypeMeta(def, structuredClone(current)),
        user: o.user,
        dryRun: o.dryRun,
        options: { kind: "UpdateOptions", apiVersion: "meta.k8s.io/v1", ...(o.fieldManager ? { fieldManager: o.fieldManager } : {}) },
        normalize: (x) => this.normalize(def, x),
      });
      o.warnings.push(...admitted.warnings);
      out = admitted.object;
    }
    const causes: StatusCause[] = [...validateObject(out), ...strategy.validate(out), ...strategy.validateUpdate(out, current)];
    if (causes.length) throw KubeErrors.invalid(def.kind, out.metadata.name, causes, def.group);

    const same = (a: KubeObject, b: KubeObject) => {
      const x = structuredClone(a) as Obj;
      const y = structuredClone(b) as Obj;
      for (const z of [x, y]) {
        delete (z.metadata as Obj).resourceVersion;
        delete (z.metadata as Obj).managedFields;
        delete z.apiVersion;
        delete z.kind;
      }
      return jsonEqual(x, y);
    };
    if (same(out, current)) return withTypeMeta(def, current);
    if (o.dryRun) return withTypeMeta(def, out);
    const finished = !!out.metadata.deletionTimestamp && (out.metadata.finalizers === undefined || (out.metadata.finalizers as unknown[]).length === 0) && (!strategy.delete.gracePeriod || out.metadata.deletionGracePeriodSeconds === 0);
    const stored = await this.kube.storage.write(async (tx) => {
      const u = await tx.update(c.clusterId, def.resource, out, expected, def.group);
      if (finished) return tx.delete(c.clusterId, def.resource, u.metadata.namespace, u.metadata.name, def.group);
      return u;
    });
    return withTypeMeta(def, stored);
  }

  /**
   * DELETE: a pod bound to a node is deleted gracefully (deletionTimestamp, the kubelet removes it);
   * objects with finalizers wait for them; everything else goes at once. Returns [code, body].
   */
  async delete(def: ResourceDef, ns: string | undefined, name: string, options: Obj, o: OpContext, attempt = 0): Promise<[number, unknown]> {
    const c = o.cluster;
    const nsKey = def.namespaced ? ns : undefined;
    const current = await this.kube.storage.read((tx) => tx.get(c.clusterId, def.resource, nsKey, name));
    if (!current) throw KubeErrors.notFound(def.resource, name, def.group);
    const pre = isObj(options.preconditions) ? options.preconditions : {};
    if (pre.uid && pre.uid !== current.metadata.uid) {
      throw KubeErrors.preconditionFailed(def.resource, name, def.group, "UID", String(pre.uid), current.metadata.uid);
    }
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw KubeErrors.preconditionFailed(def.resource, name, def.group, "ResourceVersion", String(pre.resourceVersion), current.metadata.resourceVersion);
    }
    const strategy = kindStrategy(def.kind).delete;
    const status = (obj: KubeObject): unknown =>
      strategy.returnsObject
        ? withTypeMeta(def, obj)
        : { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name, ...(def.group ? { group: def.group } : {}), kind: def.resource, uid: obj.metadata.uid } };

    const grace = strategy.gracePeriod?.(current, options) ?? 0;
    const finalizers = Array.isArray(current.metadata.finalizers) ? (current.metadata.finalizers as string[]) : [];
    const added = deletionFinalizers(def, current, options, o.warnings);
    const now = this.now();
    if (grace > 0 || finalizers.length > 0 || added.length > 0) {
      const next = structuredClone(current);
      const m = next.metadata;
      if (added.length) m.finalizers = [...finalizers, ...added.filter((f) => !finalizers.includes(f))];
      if (!m.deletionTimestamp) {
        m.deletionTimestamp = rfc3339(now + grace * 1000);
        m.deletionGracePeriodSeconds = grace;
      } else if (typeof m.deletionGracePeriodSeconds === "number" && grace < m.deletionGracePeriodSeconds) {
        m.deletionTimestamp = rfc3339(now + grace * 1000);
        m.deletionGracePeriodSeconds = grace;
      } else if (!added.some((f) => !finalizers.includes(f))) {
        return [200, withTypeMeta(def, current)];
      }
      if (o.dryRun) return [200, withTypeMeta(def, next)];
      try {
        const stored = await this.kube.storage.write((tx) => tx.update(c.clusterId, def.resource, next, current.metadata.resourceVersion, def.group));
        return [200, withTypeMeta(def, stored)];
      } catch (e) {
        // Written meanwhile (a controller's status update): read it again and redo, as kube-apiserver's GuaranteedUpdate does.
        if (e instanceof KubeStatusError && e.reason === "Conflict" && attempt < 5) return this.delete(def, ns, name, options, o, attempt + 1);
        throw e;
      }
    }
    if (o.dryRun) return [200, status(current)];
    const deleted = await this.kube.storage.write(async (tx) => {
      await strategy.purge?.(tx, c.clusterId, name);
      return tx.delete(c.clusterId, def.resource, nsKey, name, def.group);
    });
    return [200, status(deleted)];
  }
}


function jsonPatchMessage(e: Error): string {
  const name = (e as Error & { name?: string }).name;
  const op = (e as Error & { operation?: { path?: string; op?: string } }).operation;
  if (name === "OPERATION_PATH_UNRESOLVABLE" || name === "OPERATION_PATH_CANNOT_ADD") return `doc is missing path: "${op?.path ?? ""}": missing value`;
  if (name === "TEST_OPERATION_FAILED") return `testing value ${op?.path ?? ""} failed: test failed`;
  if (name === "OPERATION_OP_INVALID") return `Unexpected kind: ${op?.op ?? ""}`;
  return e.message.split("\n")[0] ?? e.message;
}

export function withTypeMeta(def: ResourceDef, o: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return { apiVersion: groupVersion(def), kind: def.kind, ...rest } as KubeObject;
}

/** List items as kube-apiserver returns them: without apiVersion/kind. */
export function listItem(o: KubeObject): Obj {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}
