/**
 * The `scale` subresource of Deployments and ReplicaSets (autoscaling/v1 Scale), which `kubectl scale`
 * reads and patches: spec.replicas maps to the object's spec.replicas, status to its status and selector.
 */
import fastJsonPatch from "fast-json-patch";
import type { Operation as PatchOp } from "fast-json-patch";
import type { KubeObject } from "../KubeStorage.js";
import { KubeErrors } from "../KubeStatusError.js";
import { SCHEMAS, decodeInto } from "./schema.js";
import { jsonMergePatch, strategicMerge } from "./strategicMerge.js";
import { formatLabelSelector } from "./table.js";
import { parseBody, type OpContext, type Registry } from "./registry.js";
import type { ResourceDef } from "./resources.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The Scale view of a Deployment or ReplicaSet. */
export function toScale(o: KubeObject): KubeObject {
  const spec = isObj(o.spec) ? o.spec : {};
  const status = isObj(o.status) ? o.status : {};
  const sel = formatLabelSelector(spec.selector);
  const m = o.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: typeof spec.replicas === "number" ? spec.replicas : 0 },
    status: { replicas: typeof status.replicas === "number" ? status.replicas : 0, selector: sel === "<none>" ? "" : sel },
  };
}

function applyScalePatch(current: KubeObject, contentType: string, raw: Buffer | undefined): unknown {
  const mt = contentType.split(";")[0]!.trim().toLowerCase();
  const patch = parseBody(raw, mt);
  switch (mt) {
    case "application/json-patch+json":
      if (!Array.isArray(patch)) throw KubeErrors.badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
      try {
        return fastJsonPatch.applyPatch(structuredClone(current), patch as PatchOp[], true, false).newDocument;
      } catch (e) {
        throw KubeErrors.badRequest((e as Error).message.split("\n")[0] ?? "invalid patch");
      }
    case "application/merge-patch+json":
      if (!isObj(patch)) throw KubeErrors.badRequest("json: cannot unmarshal array into Go value of type map[string]interface {}");
      return jsonMergePatch(current, patch);
    case "application/strategic-merge-patch+json":
    case "application/apply-patch+yaml":
      if (!isObj(patch)) throw KubeErrors.badRequest("json: cannot unmarshal array into Go value of type map[string]interface {}");
      return strategicMerge(current, patch, SCHEMAS.Scale!);
    default:
      throw KubeErrors.unsupportedMediaType(mt);
  }
}

/** GET, PUT or PATCH on `<resource>/<name>/scale`; returns the Scale after the change. */
export async function scaleSubresource(
  registry: Registry,
  def: ResourceDef,
  ns: string | undefined,
  name: string,
  req: { method: string; contentType: string; raw: Buffer | undefined },
  o: OpContext,
): Promise<KubeObject> {
  const current = await registry.get(o.cluster, def, ns, name);
  if (req.method === "GET" || req.method === "HEAD") return toScale(current);
  const wanted = req.method === "PUT" ? parseBody(req.raw, req.contentType) : applyScalePatch(toScale(current), req.contentType, req.raw);
  if (!isObj(wanted)) throw KubeErrors.badRequest("json: cannot unmarshal into Go value of type autoscaling.Scale");
  const res = decodeInto(SCHEMAS.Scale!, wanted);
  if (res.typeError) throw KubeErrors.badRequest(res.typeError);
  const spec = isObj(wanted.spec) ? wanted.spec : {};
  const replicas = typeof spec.replicas === "number" ? spec.replicas : 0;
  if (replicas < 0) {
    throw KubeErrors.invalid("Scale", name, [{ reason: "FieldValueInvalid", message: `Invalid value: ${replicas}: must be greater than or equal to 0`, field: "spec.replicas" }], "autoscaling");
  }
  const meta = isObj(wanted.metadata) ? wanted.metadata : {};
  const rv = typeof meta.resourceVersion === "string" && req.method === "PUT" ? meta.resourceVersion : current.metadata.resourceVersion;
  const next = structuredClone(current);
  (next.spec as Obj).replicas = replicas;
  next.metadata.resourceVersion = rv;
  const updated = await registry.update(def, ns, name, "", next, o);
  return toScale(updated);
}
