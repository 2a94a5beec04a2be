import type { GraphOperation } from "../types.js";
import { getMe } from "./me.js";
import { getUser, listUsers } from "./users.js";
import { getServicePrincipal, listServicePrincipals } from "./servicePrincipals.js";
import { getByIds } from "./getByIds.js";
import { listSignIns } from "./signIns.js";

/** Every Graph operation the lab serves (the minimum `az ad`, role-assignment tooling and sign-in log readers use). */
export const GRAPH_OPERATIONS: GraphOperation[] = [getMe, listUsers, getUser, listServicePrincipals, getServicePrincipal, getByIds, listSignIns];
