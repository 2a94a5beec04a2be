import type { FastifyInstance, FastifyReply } from "fastify";
import { describeFault, parseFaultRequest, sendJson, type Fault, type FaultRequest } from "../platform/index.js";
import type { TokenService } from "../entra/index.js";
import { Clusters, type KubeContext } from "../kube/index.js";
import type { LabContext } from "./context.js";
import { isDenial, labAdminCaller, sendDenial } from "./adminAuth.js";

export const LAB_FAULTS_ACTION = "wilab.Lab/faults/write";

/** A fault as the API shows it: the fault plus a one-line description. */
export function faultView(f: Fault): Fault & { description: string } {
  return { ...f, description: describeFault(f) };
}

class FaultRequestError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

/** Resolves `cluster` (and `resourceGroup`) to the cluster's issuer URL, as the kube side publishes it. */
async function resolveIssuer(kube: KubeContext, body: FaultRequest): Promise<FaultRequest> {
  if (body.kind !== "issuer-unreachable" || typeof body.cluster !== "string" || !body.cluster) return body;
  const name = body.cluster.toLowerCase();
  const rg = typeof body.resourceGroup === "string" && body.resourceGroup ? body.resourceGroup.toLowerCase() : undefined;
  const all = await kube.ctx.store.read((tx) => Clusters.all(tx));
  const found = all.filter((c) => c.name.toLowerCase() === name && (!rg || c.resourceGroup.toLowerCase() === rg));
  if (found.length === 0) throw new FaultRequestError(404, `cluster '${body.cluster}'${rg ? ` in resource group '${body.resourceGroup}'` : ""} was not found`);
  if (found.length > 1) throw new FaultRequestError(400, `${found.length} clusters are named '${body.cluster}' (in ${found.map((c) => c.resourceGroup).join(", ")}): give the resource group (-g)`);
  const c = found[0]!;
  if (!c.oidcIssuerEnabled) throw new FaultRequestError(400, `cluster '${c.name}' has no OIDC issuer (oidcIssuerProfile.enabled is false)`);
  return { ...body, issuer: kube.issuerUrl(c), cluster: c.name };
}

/**
 * `/_wilab/faults`: list (GET), add (POST, a FaultRequest), clear all (DELETE) or one (DELETE /{id}).
 * Authenticated like `/_wilab/clock`; adding and clearing need a role whose actions match `wilab.Lab/faults/write`.
 */
export async function labFaultRoutes(app: FastifyInstance, d: { ctx: LabContext; kube: KubeContext; tokens: TokenService }): Promise<void> {
  const { ctx, tokens } = d;
  const bad = (reply: FastifyReply, status: number, message: string) => sendJson(reply, status, { error: { code: status === 404 ? "NotFound" : "BadRequest", message } });

  app.get("/_wilab/faults", async (req, reply) => {
    const who = await labAdminCaller(ctx, tokens, req);
    if (isDenial(who)) return sendDenial(reply, who);
    return sendJson(reply, 200, ctx.faults.list().map(faultView));
  });

  app.post("/_wilab/faults", async (req, reply) => {
    const who = await labAdminCaller(ctx, tokens, req, LAB_FAULTS_ACTION);
    if (isDenial(who)) return sendDenial(reply, who);
    const body = req.body;
    if (!body || typeof body !== "object" || Array.isArray(body)) return bad(reply, 400, 'send a JSON object such as {"kind":"throttle","face":"keyvault"}');
    try {
      const spec = parseFaultRequest(await resolveIssuer(d.kube, body as FaultRequest));
      const added = ctx.faults.add(spec);
      await ctx.faults.settled(); // answered once committed (replicas on one database see it then)
      return sendJson(reply, 201, faultView(added));
    } catch (err) {
      if (err instanceof FaultRequestError) return bad(reply, err.status, err.message);
      if (err instanceof RangeError) return bad(reply, 400, err.message);
      throw err;
    }
  });

  app.delete("/_wilab/faults", async (req, reply) => {
    const who = await labAdminCaller(ctx, tokens, req, LAB_FAULTS_ACTION);
    if (isDenial(who)) return sendDenial(reply, who);
    const removed = ctx.faults.clear();
    await ctx.faults.settled();
    return sendJson(reply, 200, removed.map(faultView));
  });

  app.delete<{ Params: { id: string } }>("/_wilab/faults/:id", async (req, reply) => {
    const who = await labAdminCaller(ctx, tokens, req, LAB_FAULTS_ACTION);
    if (isDenial(who)) return sendDenial(reply, who);
    const removed = ctx.faults.clear(req.params.id);
    await ctx.faults.settled();
    if (removed.length === 0) return bad(reply, 404, `no fault '${req.params.id}' is in force (wilab fault list)`);
    return sendJson(reply, 200, removed.map(faultView));
  });
}
