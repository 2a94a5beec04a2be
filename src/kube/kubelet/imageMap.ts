import { packageRoot } from "../../platform/packageRoot.js";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Store } from "../../store/index.js";

/** An image reference split into its parts, with Docker's defaults (docker.io, library/, no tag). */
export interface ImageRef {
  /** `ghcr.io`, `docker.io`, `localhost:5000`. */
  registry: string;
  /** `azure/azure-workload-identity/msal-go`, `library/busybox`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** A user's mapping of an image to a local command (stored in the lab store, kind `imageMap`). */
export interface ImageMapping {
  /** The image as the user gave it. Without tag or digest it matches every tag and digest of the repository. */
  image: string;
  command: string[];
  /** Lab-clock ms. */
  createdAt: number;
}

export const IMAGE_MAP_KIND = "imageMap";

/** Parses `[registry/]repository[:tag][@digest]` the way the container runtime normalises it; undefined when malformed. */
export function parseImageRef(image: string): ImageRef | undefined {
  let rest = image.trim();
  if (!rest || /\s/.test(rest)) return undefined;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return undefined;
  }
  const parts = rest.split("/");
  let registry = "docker.io";
  if (parts.length > 1 && (parts[0]!.includes(".") || parts[0]!.includes(":") || parts[0] === "localhost")) registry = parts.shift()!;
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = "docker.io";
  let repository = parts.join("/");
  if (!repository || parts.some((p) => !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(p))) return undefined;
  if (registry === "docker.io" && parts.length === 1) repository = `library/${repository}`;
  return { registry: registry.toLowerCase(), repository, tag, digest };
}

/** The canonical name of a reference: `registry/repository[:tag][@digest]`, tags kept only when given. */
export function canonicalImage(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/**
 * How well a mapping key matches an image: 0 no match; 1 same repository (key has neither tag nor digest);
 * 2 same tag; 3 same digest.
 */
export function matchScore(key: ImageRef, image: ImageRef): number {
  if (key.registry !== image.registry || key.repository !== image.repository) return 0;
  if (key.digest) return key.digest === image.digest ? 3 : 0;
  if (key.tag) return key.tag === (image.tag ?? (image.digest ? undefined : "latest")) ? 2 : 0;
  return 1;
}

/** The compiled quick-start sample: dist/src/kube/kubelet/ → dist/examples/quick-start/main.js. */
export function quickStartScript(): string {
  return join(packageRoot(), "dist/examples/quick-start/main.js");
}

/** Images wilab runs without a user mapping: the upstream quick-start samples run wilab's own Node sample. */
export const BUILTIN_IMAGES = [
  "ghcr.io/azure/azure-workload-identity/msal-go",
  "ghcr.io/azure/azure-workload-identity/msal-node",
  "ghcr.io/azure/azure-workload-identity/msal-python",
];

export function builtinMappings(): ImageMapping[] {
  const command = [process.execPath, quickStartScript()];
  return BUILTIN_IMAGES.map((image) => ({ image, command, createdAt: 0 }));
}

export interface ResolvedImage {
  mapping: ImageMapping;
  builtin: boolean;
  /** What `containerStatuses[].imageID` reports: `<repository>@sha256:<hash of the command>`. */
  imageID: string;
}

/** Picks the best mapping for an image: user mappings before built-in ones, then digest > tag > repository. */
export function resolveImage(image: string, user: ImageMapping[], builtin: ImageMapping[] = builtinMappings()): ResolvedImage | undefined {
  const ref = parseImageRef(image);
  if (!ref) return undefined;
  let best: { m: ImageMapping; score: number; builtin: boolean } | undefined;
  for (const [list, isBuiltin] of [
    [user, false],
    [builtin, true],
  ] as const) {
    for (const m of list) {
      const key = parseImageRef(m.image);
      if (!key) continue;
      const score = matchScore(key, ref) + (isBuiltin ? 0 : 10);
      if (score % 10 > 0 && (!best || score > best.score)) best = { m, score, builtin: isBuiltin };
    }
  }
  if (!best) return undefined;
  const hash = createHash("sha256").update(JSON.stringify(best.m.command)).digest("hex");
  return { mapping: best.m, builtin: best.builtin, imageID: `${ref.registry}/${ref.repository}@sha256:${hash}` };
}

/** The store id of a mapping: the canonical image name, lower-cased. */
export function mappingId(image: string): string {
  const ref = parseImageRef(image);
  if (!ref) throw new RangeError(`invalid image reference "${image}"`);
  return canonicalImage(ref).toLowerCase();
}

export async function listMappings(store: Store): Promise<ImageMapping[]> {
  return (await store.read((tx) => tx.list<ImageMapping>(IMAGE_MAP_KIND))).map((r) => r.value);
}

export async function putMapping(store: Store, m: ImageMapping): Promise<void> {
  await store.write((tx) => tx.put(IMAGE_MAP_KIND, mappingId(m.image), m));
}

export async function deleteMapping(store: Store, image: string): Promise<boolean> {
  const id = mappingId(image);
  return store.write((tx) => tx.delete(IMAGE_MAP_KIND, id));
}

/** The message of a container whose image maps to no local command. */
export function unmappedMessage(image: string): string {
  return `wilab runs containers as local processes and has no command for image "${image}": map one with \`wilab image map ${image} -- <command> [args...]\``;
}
