/**
 * Just enough of Kubernetes' protobuf encoding to read what kubectl's typed clients POST as
 * `application/vnd.kubernetes.protobuf` (the `k8s\0` envelope around runtime.Unknown): TokenRequest
 * (`kubectl create token`) and the core kinds `kubectl create` makes (ServiceAccount, ConfigMap, Secret,
 * Namespace), and the workload kinds of protobufWorkloads.ts. Other kinds are answered 415.
 */

import { decodeWorkload } from "./protobufWorkloads.js";
import { bool, bytes, fields, objectMeta, str, stringMap, unwrap } from "./protobufWire.js";

export { fields, objectMeta, unwrap } from "./protobufWire.js";

/** core/v1 kinds `kubectl create <kind>` sends (generated.proto field numbers). */
function coreObject(kind: string, raw: Buffer): Record<string, unknown> {
  const fs = fields(raw);
  const out: Record<string, unknown> = { metadata: objectMeta(bytes(fs.find((f) => f.n === 1))) };
  switch (kind) {
    case "ServiceAccount": {
      const ips = fs.filter((f) => f.n === 3).map((f) => ({ name: str(fields(bytes(f) ?? Buffer.alloc(0)).find((x) => x.n === 1)) ?? "" }));
      if (ips.length) out.imagePullSecrets = ips;
      const am = bool(fs.find((f) => f.n === 4));
      if (am !== undefined) out.automountServiceAccountToken = am;
      break;
    }
    case "ConfigMap": {
      const data = stringMap(fs, 2);
      const bin = stringMap(fs, 3, true);
      if (data) out.data = data;
      if (bin) out.binaryData = bin;
      const im = bool(fs.find((f) => f.n === 4));
      if (im !== undefined) out.immutable = im;
      break;
    }
    case "Secret": {
      const data = stringMap(fs, 2, true);
      if (data) out.data = data;
      const type = str(fs.find((f) => f.n === 3));
      if (type) out.type = type;
      const sd = stringMap(fs, 4);
      if (sd) out.stringData = sd;
      const im = bool(fs.find((f) => f.n === 5));
      if (im !== undefined) out.immutable = im;
      break;
    }
    case "Namespace": {
      const spec = bytes(fs.find((f) => f.n === 2));
      if (spec) out.spec = { finalizers: fields(spec).filter((f) => f.n === 1).map((f) => str(f)!) };
      break;
    }
    default:
      throw new Error(`no protobuf decoding for v1, Kind=${kind}`);
  }
  return out;
}

/** authentication.k8s.io/v1 TokenRequest (generated.proto field numbers). */
function tokenRequest(raw: Buffer): Record<string, unknown> {
  const fs = fields(raw);
  const specBuf = bytes(fs.find((f) => f.n === 2));
  const spec: Record<string, unknown> = {};
  if (specBuf) {
    const sf = fields(specBuf);
    const auds = sf.filter((f) => f.n === 1).map((f) => str(f)!);
    if (auds.length) spec.audiences = auds;
    const exp = sf.find((f) => f.n === 4);
    if (exp && typeof exp.v === "bigint") spec.expirationSeconds = Number(BigInt.asIntN(64, exp.v));
    const ref = bytes(sf.find((f) => f.n === 3));
    if (ref) {
      const rf = fields(ref);
      spec.boundObjectRef = {
        kind: str(rf.find((f) => f.n === 1)) ?? "",
        apiVersion: str(rf.find((f) => f.n === 2)) ?? "",
        name: str(rf.find((f) => f.n === 3)) ?? "",
        uid: str(rf.find((f) => f.n === 4)) ?? "",
      };
    }
  }
  return { metadata: objectMeta(bytes(fs.find((f) => f.n === 1))), spec };
}

/** Decodes a protobuf body of a kind the lab reads from protobuf, or throws. */
export function decodeProtobuf(buf: Buffer): Record<string, unknown> {
  const u = unwrap(buf);
  if (u.kind === "SelfSubjectReview") return { apiVersion: u.apiVersion, kind: u.kind };
  if (u.kind === "TokenRequest") return { apiVersion: u.apiVersion, kind: u.kind, ...tokenRequest(u.raw) };
  if (u.apiVersion === "v1") return { apiVersion: u.apiVersion, kind: u.kind, ...coreObject(u.kind, u.raw) };
  if (u.apiVersion === "apps/v1" || u.apiVersion === "batch/v1") return decodeWorkload(u.apiVersion, u.kind, u.raw);
  throw new Error(`no protobuf decoding for ${u.apiVersion}, Kind=${u.kind}`);
}
