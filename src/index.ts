/** wilab's programmatic API: start a lab in-process (test suites' global setup), read its endpoints, stop it. */
export { startLab, defaultDataDir, type Lab, type LabInfo, type StartLabOptions } from "./lab/Lab.js";
export { Faults, type Fault, type FaultSpec, type FaultFace } from "./platform/faults.js";
export { DataDirLockedError } from "./platform/dataDirLock.js";
export type { StaleUrlWarning } from "./diagnose/modeSwitch.js";
