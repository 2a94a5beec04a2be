// The lab's tenant record moved to src/entra/Directory.ts (issue 9: tenant and principals live in entra/Directory).
// These re-exports keep older import paths compiling.
export { LabRecords, AZURE_CLI_CLIENT_ID, type LabRecord } from "../entra/Directory.js";
