/**
 * What replicas on one database share besides the faces' records (issue 14): the lab's CA and the leaves it issued,
 * the lab clock's offset and the faults in force. Each lives in the store; a change is announced with `Tx.notify`
 * (PostgreSQL's NOTIFY at commit) and every replica applies it when the notification arrives, or reloads all of it
 * when notifications may have been missed (`"*"`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LabCa, type CaMaterial, type Fault, type FaultChange, type Faults, type LabClock, type LeafCache, type Random } from "../platform/index.js";
import type { Store } from "../store/index.js";
import { LabRecords, type LabRecord } from "./LabRecord.js";

const CA_KIND = "labCa";
const CA_ID = "ca";
const LEAF_KIND = "labCaLeaf";
const FAULT_KIND = "labFault";
export const CLOCK_TOPIC = "lab-clock";
export const FAULTS_TOPIC = "lab-faults";

/** Leaves in the store: the first replica to issue one for a set of names stores it, every other presents it. */
export function storeLeafCache(store: Store): LeafCache {
  return {
    get: (key) => store.read((tx) => tx.get<CaMaterial>(LEAF_KIND, key)),
    put: (key, leaf, usable) =>
      store.write(async (tx) => {
        const stored = await tx.get<CaMaterial>(LEAF_KIND, key);
        if (stored && usable(stored)) return stored;
        await tx.put(LEAF_KIND, key, leaf);
        return leaf;
      }),
  };
}

async function newCa(): Promise<CaMaterial> {
  const ca = await LabCa.create();
  return { certPem: ca.certPem, keyPem: await ca.keyPem() };
}

/** Stores the CA directory's CA, else a new one, unless another replica stored one first; returns the stored one. */
async function offerCa(store: Store, caDir: string): Promise<CaMaterial> {
  const offered: CaMaterial = LabCa.readMaterial(caDir) ?? (await newCa());
  return store.write(async (tx): Promise<CaMaterial> => {
    if (await tx.insert(CA_KIND, CA_ID, offered)) return offered;
    const stored = await tx.get<CaMaterial>(CA_KIND, CA_ID);
    if (!stored) throw new Error("the lab's CA vanished from the store while it was being stored");
    return stored;
  });
}

/**
 * The CA of replicas on one database: the one stored there, else the CA directory's (so that clients trusting it
 * keep doing so), else a new one; of replicas starting together on an empty database, the first insert wins.
 * Returns the CA and the file holding its certificate for clients: `<caDir>/ca.crt` when that is the stored CA or
 * there was none (then both files are written there), else `<caDir>/store-ca.crt`.
 */
export async function sharedCa(store: Store, caDir: string, writeFiles: boolean): Promise<{ ca: LabCa; caCertPath: string }> {
  const material: CaMaterial = (await store.read((tx) => tx.get<CaMaterial>(CA_KIND, CA_ID))) ?? (await offerCa(store, caDir));
  const ca = await LabCa.load(material, storeLeafCache(store));
  const crt = join(caDir, "ca.crt");
  const current = existsSync(crt) ? readFileSync(crt, "utf8") : undefined;
  if (current === material.certPem) return { ca, caCertPath: crt };
  if (!writeFiles) return { ca, caCertPath: crt };
  mkdirSync(caDir, { recursive: true, mode: 0o700 });
  if (current === undefined) {
    writeFileSync(join(caDir, "ca.key"), material.keyPem, { mode: 0o600 });
    writeFileSync(crt, material.certPem);
    return { ca, caCertPath: crt };
  }
  const other = join(caDir, "store-ca.crt");
  writeFileSync(other, material.certPem);
  return { ca, caCertPath: other };
}

/**
 * Keeps the lab clock's offset in the lab record and, on a store shared by replicas, applies every other replica's
 * change when its notification arrives. `record` reads and replaces the lab's record as this process holds it.
 */
export function shareClock(store: Store, clock: LabClock, record: { get(): LabRecord; set(r: LabRecord): void }): () => void {
  let applying = false;
  const offChange = clock.onChange((offset) => {
    record.set({ ...record.get(), clockOffsetMs: offset });
    if (applying) return;
    clock.track(
      store.write(async (tx) => {
        const stored = (await LabRecords.get(tx)) ?? record.get();
        await LabRecords.put(tx, { ...stored, clockOffsetMs: offset });
        await tx.notify(CLOCK_TOPIC, String(offset));
      }),
    );
  });
  const apply = (offset: number) => {
    if (!Number.isFinite(offset) || offset === clock.offset()) return;
    applying = true;
    try {
      clock.set(offset);
    } finally {
      applying = false;
    }
  };
  const offNotify = store.subscribe(CLOCK_TOPIC, (payload) => {
    if (payload !== "*") return apply(Number(payload));
    void store.read((tx) => LabRecords.get(tx)).then((r) => r && apply(r.clockOffsetMs), () => undefined);
  });
  return () => {
    offChange();
    offNotify();
  };
}

/** One local change of the faults, written to the store (a counted fault's use is counted there, across replicas). */
async function persistFaultChange(store: Store, c: FaultChange): Promise<void> {
  if (!c.added && !c.cleared && !c.spent) return;
  await store.write(async (tx) => {
    if (c.added) await tx.put(FAULT_KIND, c.added.id, c.added);
    const spent = c.spent ? [c.spent] : c.exhausted ? (c.cleared ?? []) : [];
    for (const f of spent) {
      const stored = await tx.get<Fault>(FAULT_KIND, f.id);
      const remaining = (stored?.remaining ?? 1) - 1;
      if (stored && remaining > 0) await tx.put(FAULT_KIND, f.id, { ...stored, remaining });
      else await tx.delete(FAULT_KIND, f.id);
    }
    if (!c.exhausted) for (const f of c.cleared ?? []) await tx.delete(FAULT_KIND, f.id);
    await tx.notify(FAULTS_TOPIC, "");
  });
}

/**
 * Faults shared by replicas on one database: each local add, clear and use of a counted fault is written to the
 * store, and every replica reloads the faults in force when notified. Ids are random (`fault-1a2b3c4d`), so that
 * two replicas never hand out the same one. Resolves once the stored faults are loaded.
 */
export async function shareFaults(store: Store, faults: Faults, random: Random): Promise<() => void> {
  faults.nextId = () => `fault-${random.hex(4)}`;
  let reloads: Promise<void> = Promise.resolve();
  const reload = () => {
    // One reload at a time, in order: the last one to finish read the newest committed state.
    reloads = reloads
      .catch(() => undefined)
      .then(() => store.read((tx) => tx.list<Fault>(FAULT_KIND)))
      .then((rows) => faults.replaceAll(rows.map((r) => r.value).sort(byAdded)));
    return reloads;
  };
  const offChange = faults.onChange((c) => faults.track(persistFaultChange(store, c)));
  const offNotify = store.subscribe(FAULTS_TOPIC, () => void reload().catch(() => undefined));
  await reload();
  return () => {
    offChange();
    offNotify();
  };
}

const byAdded = (a: Fault, b: Fault) => (a.addedAt < b.addedAt ? -1 : a.addedAt > b.addedAt ? 1 : a.id < b.id ? -1 : 1);
