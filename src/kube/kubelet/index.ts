import type { KubeContext } from "../KubeContext.js";
import { probeMountMode } from "./runner.js";
import { deleteMapping, listMappings, mappingId, parseImageRef, putMapping, builtinMappings, type ImageMapping } from "./imageMap.js";
import { KubeletImpl } from "./Kubelet.js";
import type { MountMode } from "./runner.js";

export { shouldRefresh, refreshAt, expirationSecondsOf } from "./tokens.js";
export { resolveImage, parseImageRef, BUILTIN_IMAGES, type ImageMapping } from "./imageMap.js";
export type { MountMode } from "./runner.js";

/**
 * Starts the kubelet's one-time probe of exact-path mounts (a short `unshare` child process) without waiting
 * for it, so that it runs while the lab loads its keys and registers its routes; `startKubelet` then awaits the
 * same memoised result. A failed probe is reported by `startKubelet`, not here.
 */
export function prewarmKubelet(): void {
  probeMountMode().catch(() => undefined);
}

export interface Kubelet {
  stop(): Promise<void>;
  /** How containers see their volumes here: exact mount paths (`namespace`) or rewritten env paths (`env`). */
  readonly mountMode: MountMode;
  /** Why that mode was chosen. */
  readonly mountModeWhy: string;
  /** Re-lists clusters and pods now (the kubelet does it every second anyway). */
  resync(): Promise<void>;
  /** Host pids of a pod's running containers. */
  pids(clusterId: string, namespace: string, pod: string): number[];
  /** The host directory holding a pod's volumes (`<dir>/volumes/<volume>`). */
  podDir(clusterId: string, namespace: string, pod: string): string | undefined;
}

/** Running kubelets by lab, so that image mapping changes wake the containers waiting for them. */
const running = new WeakMap<KubeContext, KubeletImpl>();

/**
 * Runs the lab clusters' pods as local processes. Pod data (volumes, logs) lives under
 * `<dataDir>/kubelet/pods/<uid>`, or in a temporary directory removed on stop when there is no data dir.
 */
export async function startKubelet(kube: KubeContext, o: { dataDir?: string }): Promise<Kubelet> {
  const k = new KubeletImpl(kube, o.dataDir);
  await k.start();
  running.set(kube, k);
  return {
    get mountMode() {
      return k.mountMode;
    },
    get mountModeWhy() {
      return k.mountModeWhy;
    },
    resync: () => k.resync(),
    pids: (c, ns, p) => k.worker(c, ns, p)?.pids() ?? [],
    podDir: (c, ns, p) => k.worker(c, ns, p)?.dir,
    async stop() {
      if (running.get(kube) === k) running.delete(kube);
      await k.stop();
    },
  };
}

/** A mapping as the lab admin API shows it. */
export interface ImageMappingView {
  image: string;
  command: string[];
  builtin: boolean;
}

/**
 * Maps an image to a local command (`wilab image map <image> -- <command...>`). An image without tag or digest
 * matches every tag and digest of its repository; a tag or digest matches only itself and wins over it.
 */
export async function setImageMapping(kube: KubeContext, image: string, command: string[]): Promise<ImageMappingView> {
  if (!parseImageRef(image)) throw new RangeError(`invalid image reference "${image}"`);
  if (!Array.isArray(command) || command.length === 0 || command.some((c) => typeof c !== "string" || c === "")) {
    throw new RangeError("the command must be a non-empty list of non-empty strings");
  }
  const m: ImageMapping = { image, command: [...command], createdAt: kube.ctx.clock.now() };
  await putMapping(kube.ctx.store, m);
  running.get(kube)?.mappingsChanged();
  return { image, command: m.command, builtin: false };
}

/** User mappings first (sorted by image), then the built-in ones. */
export async function listImageMappings(kube: KubeContext): Promise<ImageMappingView[]> {
  const user = (await listMappings(kube.ctx.store)).sort((a, b) => a.image.localeCompare(b.image)).map((m) => ({ image: m.image, command: m.command, builtin: false }));
  const builtin = builtinMappings().map((m) => ({ image: m.image, command: m.command, builtin: true }));
  return [...user, ...builtin];
}

/** Removes a user mapping; false when there was none (built-in mappings cannot be removed, only overridden). */
export async function removeImageMapping(kube: KubeContext, image: string): Promise<boolean> {
  if (!parseImageRef(image)) throw new RangeError(`invalid image reference "${image}"`);
  const removed = await deleteMapping(kube.ctx.store, image);
  running.get(kube)?.mappingsChanged();
  return removed;
}

/** The store id of an image mapping (the canonical image name, lower-cased). */
export { mappingId };
