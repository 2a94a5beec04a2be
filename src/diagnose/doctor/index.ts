// The doctor: pure checks over a snapshot of one trust chain (pod, identity or vault end), the snapshot reader,
// and the `/_wilab/doctor` routes. Shared by `wilab doctor`, the portal and the tests.
export type { CheckResult, CheckStatus, DoctorReport, PodSnapshot, IdentitySnapshot, VaultSnapshot, ClusterView, TokenView, IdentityView, PropagationView, VaultRef, Check } from "./types.js";
export { POD_CHECKS, IDENTITY_CHECKS, VAULT_CHECKS, runChecks, report, diagnosePod, diagnoseIdentity, diagnoseVault } from "./engine.js";
export { podSnapshot, identitySnapshot, vaultSnapshot, doctorDeps, findCluster, vaultNameFromUrl, identitiesWithCredentials, clusterView, DoctorError, type DoctorDeps, type DoctorLab, type PodQuery } from "./snapshot.js";
export { doctorRoutes, type DoctorRouteDeps } from "./routes.js";
export { clientIdInUse, identityByClientId, presentedClaims as podPresentedClaims, SECRETS_USER, GET_SECRET } from "./checks/common.js";
