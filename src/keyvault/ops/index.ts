import type { KvOperation } from "./types.js";
import { setSecret } from "./setSecret.js";
import { getSecret, getSecretVersion } from "./getSecret.js";
import { updateSecret, updateSecretVersion } from "./updateSecret.js";
import { listSecrets, listSecretVersions } from "./listSecrets.js";
import { deleteSecret } from "./deleteSecret.js";
import { getDeletedSecret, listDeletedSecrets, purgeDeletedSecret, recoverDeletedSecret } from "./deletedSecrets.js";
import { backupSecret, restoreSecret } from "./backupRestore.js";

export type { KvOperation, KvCall, KvResult, SecretPermission } from "./types.js";
export { DATA_ACTIONS } from "./types.js";

/** Every secrets operation of the data plane (reference §4.2). */
export const SECRET_OPERATIONS: KvOperation[] = [
  listSecrets,
  setSecret,
  getSecret,
  updateSecret,
  deleteSecret,
  restoreSecret,
  listSecretVersions,
  backupSecret,
  getSecretVersion,
  updateSecretVersion,
  listDeletedSecrets,
  getDeletedSecret,
  purgeDeletedSecret,
  recoverDeletedSecret,
];
