import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { podField, resourceField, type ObjectLookup } from "./env.js";
import type { DataObject, DownwardAPIVolumeFile, KeyToPath, Pod, ProjectionSource, Volume } from "./types.js";

/** Files of a volume: relative path → content and mode. */
export type Payload = Map<string, { data: Buffer; mode: number }>;

/** A volume the kubelet cannot set up yet (kube's `MountVolume.SetUp failed for volume ...`). */
export class MountError extends Error {
  constructor(
    message: string,
    /** The volume that failed, once known. */
    public volume?: string,
  ) {
    super(message);
  }
}

export const DEFAULT_MODE = 0o644;

/** A projected service-account token source the token manager must fill. */
export interface TokenSourceRef {
  volume: string;
  path: string;
  audience?: string;
  expirationSeconds?: number;
}

export interface VolumeInputs {
  pod: Pod;
  lookup: ObjectLookup;
  /** The token for a projected serviceAccountToken source (the caller keeps and refreshes them). */
  token(ref: TokenSourceRef): string;
}

/** What a volume becomes on the host. */
export type VolumePlan = { kind: "files"; payload: Payload } | { kind: "emptyDir" } | { kind: "hostPath"; path: string };

function checkPath(p: string): string {
  const n = normalize(p);
  if (!p || p.startsWith("/") || n.startsWith("..") || n.split("/").some((s) => s.startsWith(".."))) throw new MountError(`invalid path "${p}"`);
  return n;
}

function keyData(obj: DataObject, key: string, secret: boolean): Buffer | undefined {
  if (secret && obj.stringData && key in obj.stringData) return Buffer.from(obj.stringData[key]!, "utf8");
  const d = obj.data?.[key];
  if (d !== undefined) return secret ? Buffer.from(d, "base64") : Buffer.from(d, "utf8");
  const b = obj.binaryData?.[key];
  return b === undefined ? undefined : Buffer.from(b, "base64");
}

function projectKeys(payload: Payload, obj: DataObject | undefined, what: "configmap" | "secret", name: string, items: KeyToPath[] | undefined, optional: boolean | undefined, mode: number): void {
  if (!obj) {
    if (optional) return;
    throw new MountError(`${what} "${name}" not found`);
  }
  const secret = what === "secret";
  if (items?.length) {
    for (const it of items) {
      const data = keyData(obj, it.key, secret);
      if (data === undefined) {
        if (optional) continue;
        throw new MountError(`${what === "configmap" ? "configmap" : "secret"} references non-existent ${what === "configmap" ? "config" : "secret"} key: ${it.key}`);
      }
      payload.set(checkPath(it.path), { data, mode: it.mode ?? mode });
    }
    return;
  }
  const keys = new Set([...Object.keys(obj.data ?? {}), ...Object.keys(obj.binaryData ?? {}), ...(secret ? Object.keys(obj.stringData ?? {}) : [])]);
  for (const k of keys) payload.set(checkPath(k), { data: keyData(obj, k, secret)!, mode });
}

function projectDownward(payload: Payload, pod: Pod, items: DownwardAPIVolumeFile[] | undefined, mode: number): void {
  for (const it of items ?? []) {
    let text: string;
    try {
      if (it.fieldRef) text = podField(pod, it.fieldRef, true);
      else if (it.resourceFieldRef) text = resourceField(pod, undefined, it.resourceFieldRef);
      else continue;
    } catch (err) {
      throw new MountError((err as Error).message);
    }
    payload.set(checkPath(it.path), { data: Buffer.from(text, "utf8"), mode: it.mode ?? mode });
  }
}

/** The projected service-account-token sources of a pod's volumes. */
export function tokenSources(pod: Pod): TokenSourceRef[] {
  const out: TokenSourceRef[] = [];
  for (const v of pod.spec.volumes ?? []) {
    for (const s of v.projected?.sources ?? []) {
      if (s.serviceAccountToken) out.push({ volume: v.name, path: s.serviceAccountToken.path, audience: s.serviceAccountToken.audience, expirationSeconds: s.serviceAccountToken.expirationSeconds });
    }
  }
  return out;
}

/** What a volume should hold now (files are compared with the disk before anything is written). */
export function planVolume(v: Volume, inp: VolumeInputs): VolumePlan {
  const { pod, lookup } = inp;
  if (v.emptyDir) return { kind: "emptyDir" };
  if (v.hostPath) return { kind: "hostPath", path: v.hostPath.path };
  const payload: Payload = new Map();
  if (v.projected) {
    const mode = v.projected.defaultMode ?? DEFAULT_MODE;
    for (const s of v.projected.sources ?? ([] as ProjectionSource[])) {
      if (s.serviceAccountToken) {
        payload.set(checkPath(s.serviceAccountToken.path), {
          data: Buffer.from(inp.token({ volume: v.name, path: s.serviceAccountToken.path, audience: s.serviceAccountToken.audience, expirationSeconds: s.serviceAccountToken.expirationSeconds })),
          mode,
        });
      } else if (s.configMap) {
        const name = s.configMap.name ?? "";
        projectKeys(payload, lookup.configMap(name), "configmap", name, s.configMap.items, s.configMap.optional, mode);
      } else if (s.secret) {
        const name = s.secret.name ?? "";
        projectKeys(payload, lookup.secret(name), "secret", name, s.secret.items, s.secret.optional, mode);
      } else if (s.downwardAPI) {
        projectDownward(payload, pod, s.downwardAPI.items, mode);
      }
    }
    return { kind: "files", payload };
  }
  if (v.configMap) {
    const name = v.configMap.name ?? "";
    projectKeys(payload, lookup.configMap(name), "configmap", name, v.configMap.items, v.configMap.optional, v.configMap.defaultMode ?? DEFAULT_MODE);
    return { kind: "files", payload };
  }
  if (v.secret) {
    const name = v.secret.secretName ?? "";
    projectKeys(payload, lookup.secret(name), "secret", name, v.secret.items, v.secret.optional, v.secret.defaultMode ?? DEFAULT_MODE);
    return { kind: "files", payload };
  }
  if (v.downwardAPI) {
    projectDownward(payload, pod, v.downwardAPI.items, v.downwardAPI.defaultMode ?? DEFAULT_MODE);
    return { kind: "files", payload };
  }
  // Volume types a laptop has no backing for (PVCs, CSI, ...) become empty directories.
  return { kind: "emptyDir" };
}

const DATA_DIR = "..data";

function readCurrent(dir: string): Payload | undefined {
  const data = join(dir, DATA_DIR);
  if (!existsSync(data)) return undefined;
  const out: Payload = new Map();
  const walk = (rel: string) => {
    for (const e of readdirSync(join(data, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.set(r, { data: readFileSync(join(data, r)), mode: lstatSync(join(data, r)).mode & 0o777 });
    }
  };
  walk("");
  return out;
}

function samePayload(a: Payload, b: Payload): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const o = b.get(k);
    if (!o || o.mode !== v.mode || !o.data.equals(v.data)) return false;
  }
  return true;
}

function tsDirName(now: number, seq: number): string {
  const d = new Date(now).toISOString(); // 2024-01-02T03:04:05.678Z
  return `..${d.slice(0, 10).replace(/-/g, "_")}_${d.slice(11, 19).replace(/:/g, "_")}.${d.slice(20, 23)}${String(seq).padStart(6, "0")}`;
}

let seq = 0;

/**
 * Writes a volume's files the way the kubelet's AtomicWriter does: a new `..<timestamp>` directory, the
 * `..data` symlink swapped to it by rename, and top-level entries that are symlinks into `..data`. A reader
 * sees either the old files or the new ones, never a half-written file. Returns false when nothing changed.
 */
export function writeAtomically(dir: string, payload: Payload, now: number): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const current = readCurrent(dir);
  if (current && samePayload(current, payload)) return false;
  const oldTarget = existsSync(join(dir, DATA_DIR)) ? readlinkSync(join(dir, DATA_DIR)) : undefined;
  const ts = tsDirName(now, ++seq % 1_000_000);
  const tsPath = join(dir, ts);
  mkdirSync(tsPath, { mode: 0o755 });
  for (const [rel, f] of payload) {
    const p = join(tsPath, rel);
    mkdirSync(dirname(p), { recursive: true, mode: 0o755 });
    writeFileSync(p, f.data, { mode: f.mode });
    chmodSync(p, f.mode);
  }
  const tmpLink = join(dir, "..data_tmp");
  rmSync(tmpLink, { force: true });
  symlinkSync(ts, tmpLink);
  renameSync(tmpLink, join(dir, DATA_DIR));
  const top = new Set([...payload.keys()].map((k) => k.split("/")[0]!));
  for (const t of top) {
    const link = join(dir, t);
    const st = lstatSync(link, { throwIfNoEntry: false });
    const ok = !!st?.isSymbolicLink() && readlinkSync(link) === `${DATA_DIR}/${t}`;
    if (!ok) {
      rmSync(link, { recursive: true, force: true });
      symlinkSync(`${DATA_DIR}/${t}`, link);
    }
  }
  for (const e of readdirSync(dir)) {
    if (e.startsWith("..")) continue;
    if (!top.has(e)) {
      try {
        if (lstatSync(join(dir, e)).isSymbolicLink()) unlinkSync(join(dir, e));
      } catch {
        // already gone
      }
    }
  }
  if (oldTarget && oldTarget !== ts) rmSync(join(dir, oldTarget), { recursive: true, force: true });
  return true;
}
