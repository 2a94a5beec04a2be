import { Secrets, rowSecretName } from "../Secrets.js";
import { secretItem } from "../bundle.js";
import { maxResults, mustGetSecret, nextLink, pageOf, skipToken } from "./common.js";
import { DATA_ACTIONS, type KvOperation } from "./types.js";

/** `GET /secrets?maxresults=1..25`: one index range per page (keyset paging on the folded name). */
export const listSecrets: KvOperation = {
  method: "GET",
  operationName: "SecretList",
  url: "/secrets",
  permission: "list",
  dataAction: DATA_ACTIONS.readMetadata,
  write: false,
  async handler(call) {
    const limit = maxResults(call.query);
    const after = skipToken(call.query);
    const rows = await Secrets.page(call.tx, call.vault.name, after, limit + 1);
    const page = pageOf(rows, limit, (r) => rowSecretName(r.id));
    return {
      status: 200,
      body: {
        value: page.rows.map((r) => secretItem(call.origin, r.value.latest, call.vault, false)),
        nextLink: page.next ? nextLink(call, "/secrets", page.next, limit) : null,
      },
    };
  },
};

/** `GET /secrets/{name}/versions`: every version's metadata, `id` with the version. */
export const listSecretVersions: KvOperation = {
  method: "GET",
  operationName: "SecretListVersions",
  url: "/secrets/:name/versions",
  permission: "list",
  dataAction: DATA_ACTIONS.readMetadata,
  write: false,
  nameParam: "name",
  async handler(call) {
    const head = await mustGetSecret(call, call.params.name!);
    const limit = maxResults(call.query);
    const after = skipToken(call.query);
    const rows = await Secrets.versionPage(call.tx, call.vault.name, head.name, after, limit + 1);
    const page = pageOf(rows, limit, (r) => r.value.version);
    return {
      status: 200,
      body: {
        value: page.rows.map((r) => secretItem(call.origin, r.value, call.vault, true)),
        nextLink: page.next ? nextLink(call, `/secrets/${head.name}/versions`, page.next, limit) : null,
      },
    };
  },
};
