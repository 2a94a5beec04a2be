// The shared context moved to src/platform (issue 9: faces import nothing from src/lab). These re-exports keep
// older import paths compiling; new code imports src/platform/index.js.
export { TRANSPARENT_HOSTS, LOCAL_VAULT_SUFFIX, Hosts, vaultNameFromHost, vaultResourceForHost, type HostMode } from "../platform/hosts.js";
export type { LabConfig, LabLogger, LabContext, DiagnosticSink } from "../platform/context.js";
