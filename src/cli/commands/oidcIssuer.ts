import { readFileSync } from "node:fs";
import { mustStr, str, type Args, type CommandDef, type GroupDef } from "../core/command.js";
import type { Json, JsonObject } from "../core/types.js";
import { CliError } from "../core/errors.js";

/**
 * `wilab oidc-issuer create|list|show|update|delete`: host the discovery document and JWKS of a self-managed
 * cluster (kind, k3s, kubeadm) whose service-account keys wilab does not hold, as Azure's guide does with a
 * storage account. Talks to the lab admin API `/_wilab/oidc-issuers`.
 */
export const groups: GroupDef[] = [{ name: "oidc-issuer", summary: "Host the OIDC issuer documents (discovery and JWKS) of a self-managed cluster." }];

function fileText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function jsonFile(path: string): Json {
  try {
    return JSON.parse(fileText(path)) as Json;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${path} is not JSON: ${(err as Error).message}`);
  }
}

/** The key changes the flags ask for: `--public-key` files (repeatable), `--jwks FILE`, `--remove-kid` (repeatable). */
function keyBody(a: Args): JsonObject {
  const body: JsonObject = {};
  const pems = Array.isArray(a.public_key) ? (a.public_key as string[]) : [];
  if (pems.length) body.publicKeys = pems.map(fileText);
  const jwks = str(a, "jwks");
  if (jwks) body.jwks = jsonFile(jwks);
  const remove = Array.isArray(a.remove_kid) ? (a.remove_kid as string[]) : [];
  if (remove.length) body.removeKids = remove;
  return body;
}

const issuerTable = (v: Json): Json => {
  const rows = Array.isArray(v) ? v : [v];
  return rows.map((r) => (r && typeof r === "object" && !Array.isArray(r) ? { Name: r.name ?? null, Issuer: r.issuer ?? null, Kids: Array.isArray(r.kids) ? r.kids.join(", ") : null, UpdatedAt: r.updatedAt ?? null } : r));
};

const NAME = { dest: "name", options: ["--name", "-n"], required: true, help: "The issuer's name (3–63 lower-case letters, digits, hyphens); the issuer URL ends in /oidc-issuers/<name>/." };
const KEYS = [
  { dest: "public_key", options: ["--public-key"], kind: "append" as const, help: "A PEM public key file (the cluster's --service-account-key-file; repeatable)." },
  { dest: "jwks", options: ["--jwks"], help: "A JWKS file (the cluster's /openid/v1/jwks)." },
];

export const commands: CommandDef[] = [
  {
    name: "oidc-issuer create",
    summary: "Publish a self-managed cluster's issuer: its discovery document and JWKS from the cluster's public key(s).",
    args: [NAME, ...KEYS],
    tableTransform: issuerTable,
    examples: [
      { summary: "Publish a kind cluster's key; start its API server with the printed --service-account-issuer.", command: "wilab oidc-issuer create --name kind1 --public-key sa.pub" },
      { summary: "From the cluster's own JWKS.", command: "kubectl get --raw /openid/v1/jwks > jwks.json && wilab oidc-issuer create --name k3s1 --jwks jwks.json" },
    ],
    async run(ctx, a) {
      const body = keyBody(a);
      if (!body.publicKeys && !body.jwks) throw new CliError("give the cluster's public key with --public-key FILE or its JWKS with --jwks FILE");
      return (await ctx.session().labApi("PUT", `/_wilab/oidc-issuers/${encodeURIComponent(mustStr(a, "name"))}`, body)) ?? null;
    },
  },
  {
    name: "oidc-issuer update",
    summary: "Rotate keys: add the new public key now, drop the old kid once no token signed with it is in use.",
    args: [NAME, ...KEYS, { dest: "remove_kid", options: ["--remove-kid"], kind: "append" as const, help: "A kid to stop publishing (repeatable)." }],
    tableTransform: issuerTable,
    examples: [{ summary: "Add the new key; later remove the old one.", command: "wilab oidc-issuer update --name kind1 --public-key sa-new.pub && wilab oidc-issuer update --name kind1 --remove-kid OLD_KID" }],
    async run(ctx, a) {
      const body = keyBody(a);
      if (Object.keys(body).length === 0) throw new CliError("nothing to change: give --public-key, --jwks or --remove-kid");
      return (await ctx.session().labApi("PATCH", `/_wilab/oidc-issuers/${encodeURIComponent(mustStr(a, "name"))}`, body)) ?? null;
    },
  },
  {
    name: "oidc-issuer show",
    summary: "Show one issuer: its URL, kids, and the kube-apiserver flags that go with it.",
    args: [NAME],
    tableTransform: issuerTable,
    async run(ctx, a) {
      return (await ctx.session().labApi("GET", `/_wilab/oidc-issuers/${encodeURIComponent(mustStr(a, "name"))}`)) ?? null;
    },
  },
  {
    name: "oidc-issuer list",
    summary: "List the self-managed issuers the lab hosts.",
    args: [],
    tableTransform: issuerTable,
    async run(ctx) {
      const r = (await ctx.session().labApi("GET", "/_wilab/oidc-issuers")) as JsonObject | undefined;
      return (r?.value as Json) ?? [];
    },
  },
  {
    name: "oidc-issuer delete",
    summary: "Stop hosting an issuer (exchanges with its tokens then fail with AADSTS50166).",
    args: [NAME],
    async run(ctx, a) {
      await ctx.session().labApi("DELETE", `/_wilab/oidc-issuers/${encodeURIComponent(mustStr(a, "name"))}`);
      return undefined;
    },
  },
];
