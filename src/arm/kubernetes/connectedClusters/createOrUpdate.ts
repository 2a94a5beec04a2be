import { callerName } from "../../caller.js";
import type { Tx } from "../../../store/index.js";
import type { ClusterRecord } from "../../../kube/index.js";
import { ArmErrors } from "../../ArmError.js";
import { isObject, normaliseLocation, type ArmRequest, type ArmResponse } from "../../ArmRoute.js";
import { defineOperation } from "../../operation.js";
import type { KubernetesDeps } from "../deps.js";
import { connectedClusterBody } from "./body.js";
import { CC_ITEM, CC_TYPE, DEFAULT_KUBERNETES_VERSION, flag, IN_GROUP, OIDC_SINCE, refuseCreationOnlyChanges, versionAtLeast } from "./shared.js";

const CLUSTER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,61}[a-zA-Z0-9]$|^[a-zA-Z0-9]$/;

interface ClusterInput {
  name: string;
  rg: string;
  location: string;
  props: Record<string, unknown>;
  tags: Record<string, string>;
  wantOidc: boolean | undefined;
  wantWi: boolean | undefined;
}

/** The new cluster's record. */
function newCluster({ ctx }: KubernetesDeps, i: ClusterInput, req: ArmRequest): ClusterRecord {
  const who = callerName(req.caller);
  const { props } = i;
  const aad = isObject(props.aadProfile) ? props.aadProfile : {};
  return {
    name: i.name,
    resourceGroup: i.rg,
    location: normaliseLocation(i.location),
    id: `/subscriptions/${ctx.config.subscriptionId}/resourceGroups/${i.rg}/providers/${CC_TYPE}/${i.name}`,
    clusterId: ctx.random.uuid(),
    tenantId: ctx.config.tenantId,
    kubernetesVersion: typeof props.kubernetesVersion === "string" && props.kubernetesVersion ? props.kubernetesVersion : DEFAULT_KUBERNETES_VERSION,
    oidcIssuerEnabled: !!i.wantOidc,
    workloadIdentityEnabled: !!i.wantWi,
    adminToken: ctx.random.base64url(32),
    aadAdminGroupObjectIds: Array.isArray(aad.adminGroupObjectIDs) ? (aad.adminGroupObjectIDs as string[]) : [],
    tags: i.tags,
    createdAt: ctx.clock.now(),
    extensionReadyAt: ctx.clock.now(),
    createdBy: who.by,
    createdByType: who.type,
  };
}

/** Creates the cluster and its initial Kubernetes objects; their watch events go out once the transaction commits. */
async function create(d: KubernetesDeps, tx: Tx, req: ArmRequest, i: ClusterInput): Promise<ArmResponse> {
  if (i.wantWi && !i.wantOidc) throw ArmErrors.workloadIdentityNeedsOidc();
  const c = newCluster(d, i, req);
  const flush = await d.clusters.provision(tx, c);
  return { status: 201, body: connectedClusterBody(d, c, req.apiVersion), afterCommit: flush };
}

/** `PUT …/connectedClusters/{name}`: creates the cluster, or replaces an existing one's tags (its identity settings are creation-only). */
export const createOrUpdate = defineOperation<KubernetesDeps>({
  method: "PUT",
  path: CC_ITEM,
  ...IN_GROUP,
  handler: async (d, req, tx): Promise<ArmResponse> => {
    const name = req.params.clusterName!;
    const rg = req.params.resourceGroupName!;
    if (!CLUSTER_NAME.test(name)) throw ArmErrors.invalidClusterName(name);
    if (!isObject(req.body)) throw ArmErrors.emptyBody();
    if (typeof req.body.location !== "string" || !req.body.location.trim()) throw ArmErrors.locationRequired();
    const props = isObject(req.body.properties) ? req.body.properties : {};
    const oidcAllowed = versionAtLeast(req.apiVersion, OIDC_SINCE);
    const wantOidc = oidcAllowed ? flag(props, "oidcIssuerProfile", "enabled") : undefined;
    const wantWi = oidcAllowed ? flag(props, "securityProfile", "workloadIdentity", "enabled") : undefined;
    const existing = await d.clusters.get(tx, d.ctx.config.subscriptionId, rg, name);
    const tags = isObject(req.body.tags) ? (req.body.tags as Record<string, string>) : {};
    if (!existing) return create(d, tx, req, { name, rg, location: req.body.location, props, tags, wantOidc, wantWi });
    if (oidcAllowed) refuseCreationOnlyChanges(existing, props);
    existing.tags = tags;
    await d.clusters.update(tx, existing);
    return { status: 200, body: connectedClusterBody(d, existing, req.apiVersion) };
  },
});
