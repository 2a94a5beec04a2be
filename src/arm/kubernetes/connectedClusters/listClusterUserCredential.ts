import { defineOperation } from "../../operation.js";
import type { KubernetesDeps } from "../deps.js";
import { CC_ITEM, IN_GROUP, kubeconfig, mustGetCluster } from "./shared.js";

/** `POST …/connectedClusters/{name}/listClusterUserCredential`: the admin kubeconfig, base64 (a POST that only reads). */
export const listClusterUserCredential = defineOperation<KubernetesDeps>({
  method: "POST",
  path: `${CC_ITEM}/listClusterUserCredential`,
  ...IN_GROUP,
  verb: "listClusterUserCredential",
  write: false,
  handler: async (d, req, tx) => {
    const c = await mustGetCluster(d, tx, req);
    return { status: 200, body: { hybridConnectionConfig: null, kubeconfigs: [{ name: "credentialName1", value: Buffer.from(kubeconfig(d, c)).toString("base64") }] } };
  },
});
