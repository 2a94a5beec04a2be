/**
 * `GET /_wilab/doctor`: the doctor's engine over HTTPS, for the CLI and a web page. Authenticated like the other
 * `/_wilab` APIs (an ARM bearer token of the lab's tenant). Query: `pod` (+ `namespace`, `cluster`,
 * `resourceGroup`, `vault`), or `identity` + `resourceGroup`, or `vault`. Always 200 with the report when the
 * target was found (its `ok` says whether a check failed).
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { sendJson } from "../../platform/index.js";
import { sendRefusal, type AdminAuthenticate } from "../adminAuth.js";
import { diagnoseIdentity, diagnosePod, diagnoseVault } from "./engine.js";
import { DoctorError, identitySnapshot, podSnapshot, vaultSnapshot, type DoctorDeps } from "./snapshot.js";
import type { DoctorReport } from "./types.js";

export interface DoctorRouteDeps {
  doctor: DoctorDeps;
  /** The lab's `/_wilab` caller check. */
  authenticate: AdminAuthenticate;
}

type Query = Record<string, string | undefined>;

async function diagnose(d: DoctorDeps, q: Query): Promise<DoctorReport> {
  if (q.pod) return diagnosePod(await podSnapshot(d, { pod: q.pod, namespace: q.namespace, cluster: q.cluster, resourceGroup: q.resourceGroup, vault: q.vault }));
  if (q.identity) {
    if (!q.resourceGroup) throw new DoctorError(400, "BadRequest", "an identity is named with its resource group: ?identity=NAME&resourceGroup=GROUP");
    return diagnoseIdentity(await identitySnapshot(d, { name: q.identity, resourceGroup: q.resourceGroup }));
  }
  if (q.vault) return diagnoseVault(await vaultSnapshot(d, q.vault));
  throw new DoctorError(400, "BadRequest", "name what to diagnose: ?pod=NAME[&namespace=NS&cluster=NAME&resourceGroup=GROUP], ?identity=NAME&resourceGroup=GROUP, or ?vault=NAME");
}

export async function doctorRoutes(app: FastifyInstance, d: DoctorRouteDeps): Promise<void> {
  const error = (reply: FastifyReply, status: number, code: string, message: string) => sendJson(reply, status, { error: { code, message } });
  app.get("/_wilab/doctor", async (req, reply) => {
    const refused = await d.authenticate(req);
    if (refused) return sendRefusal(reply, refused);
    const raw = (req.query ?? {}) as Record<string, unknown>;
    const q: Query = {};
    for (const [k, v] of Object.entries(raw)) if (typeof v === "string" && v !== "") q[k] = v;
    try {
      return sendJson(reply, 200, await diagnose(d.doctor, q));
    } catch (err) {
      if (err instanceof DoctorError) return error(reply, err.status, err.code, err.message);
      throw err;
    }
  });
}
