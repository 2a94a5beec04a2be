import { isObject } from "../../ArmRoute.js";
import { defineOperation } from "../../operation.js";
import type { KubernetesDeps } from "../deps.js";
import { connectedClusterBody } from "./body.js";
import { CC_ITEM, IN_GROUP, mustGetCluster, OIDC_SINCE, refuseCreationOnlyChanges, versionAtLeast } from "./shared.js";

/** `PATCH …/connectedClusters/{name}`: tags; a change to a creation-only setting is refused. */
export const update = defineOperation<KubernetesDeps>({
  method: "PATCH",
  path: CC_ITEM,
  ...IN_GROUP,
  handler: async (d, req, tx) => {
    const c = await mustGetCluster(d, tx, req);
    const props = isObject(req.body) && isObject(req.body.properties) ? req.body.properties : {};
    if (versionAtLeast(req.apiVersion, OIDC_SINCE)) refuseCreationOnlyChanges(c, props);
    if (isObject(req.body) && isObject(req.body.tags)) c.tags = req.body.tags as Record<string, string>;
    await d.clusters.update(tx, c);
    return { status: 200, body: connectedClusterBody(d, c, req.apiVersion) };
  },
});
