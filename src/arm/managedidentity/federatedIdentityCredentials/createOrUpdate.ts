import { FederatedIdentityCredentials, type FederatedIdentityCredentialRecord } from "../../../entra/index.js";
import { ArmErrors } from "../../ArmError.js";
import { isObject } from "../../ArmRoute.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { ficViolation, FIC_MAX_PER_IDENTITY } from "../rules.js";
import { claimFicWrite, ficBody, ficWritesOnArrival, FIC_ITEM, FIC_ROUTE, parentIdentity } from "./shared.js";

/** `PUT …/federatedIdentityCredentials/{name}`: Entra's rules, one issuer and subject per identity, at most 20. */
export const createOrUpdate = defineOperation<ArmDeps>({
  method: "PUT",
  path: FIC_ITEM,
  ...FIC_ROUTE,
  onArrival: ficWritesOnArrival,
  handler: async (d, req, tx) => {
    const id = await parentIdentity(d, tx, req);
    const name = req.params.ficName!;
    if (!isObject(req.body)) throw ArmErrors.emptyBody();
    const p = isObject(req.body.properties) ? req.body.properties : {};
    const violation = ficViolation(name, p);
    if (violation) throw ArmErrors.ficRuleBroken(violation);
    const all = await FederatedIdentityCredentials.list(tx, id.id);
    const existing = all.find((f) => f.name.toLowerCase() === name.toLowerCase());
    const issuer = p.issuer as string;
    const subject = p.subject as string;
    const clash = all.find((f) => f !== existing && f.issuer === issuer && f.subject === subject);
    if (clash) throw ArmErrors.ficIssuerSubjectExists().withHint(`credential '${clash.name}' already trusts this issuer and subject`);
    if (!existing && all.length >= FIC_MAX_PER_IDENTITY) throw ArmErrors.tooManyFics(FIC_MAX_PER_IDENTITY);
    const rec: FederatedIdentityCredentialRecord = {
      name: existing?.name ?? name,
      id: `${id.id}/federatedIdentityCredentials/${existing?.name ?? name}`,
      issuer,
      subject,
      audiences: p.audiences as string[],
      updatedAt: d.ctx.clock.now(),
    };
    claimFicWrite(d, req, id);
    await FederatedIdentityCredentials.put(tx, id.id, rec);
    return { status: existing ? 200 : 201, body: ficBody(rec) };
  },
});
