import { SUBSCRIPTION_ARG, bool, list, str, type CommandDef, type GroupDef } from "../core/command.js";
import { CliError, UsageError } from "../core/errors.js";
import { parseJson } from "../core/http.js";
import { ARM_RESOURCE, jwtClaims, type Profile, type ProfileUser, type Session, type SubscriptionEntry } from "../core/session.js";
import { isJsonObject, type Json, type JsonObject } from "../core/types.js";

export const groups: GroupDef[] = [{ name: "account", summary: "Manage Azure subscription information." }];

function userOf(p: Profile): JsonObject {
  return { name: p.user.name, type: p.user.type };
}

function subscriptionView(p: Profile, s: SubscriptionEntry, cloudKey: "cloudName" | "environmentName"): JsonObject {
  return {
    [cloudKey]: "AzureCloud",
    homeTenantId: s.homeTenantId,
    id: s.id,
    isDefault: s.isDefault,
    managedByTenants: s.managedByTenants,
    name: s.name,
    state: s.state,
    tenantId: s.tenantId,
    user: userOf(p),
  };
}

async function listSubscriptions(s: Session, token: string): Promise<SubscriptionEntry[]> {
  const res = await s.http.send({
    method: "GET",
    url: `${s.lab.armEndpoint.replace(/\/+$/, "")}/subscriptions?api-version=2022-12-01`,
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status >= 400) throw (await import("../core/session.js")).serviceError(res);
  const body = parseJson(res.text);
  const value = isJsonObject(body) && Array.isArray(body.value) ? body.value : [];
  return value.filter(isJsonObject).map((v, i) => ({
    id: String(v.subscriptionId ?? ""),
    name: String(v.displayName ?? v.subscriptionId ?? ""),
    state: String(v.state ?? "Enabled"),
    tenantId: String(v.tenantId ?? ""),
    homeTenantId: String(v.homeTenantId ?? v.tenantId ?? ""),
    isDefault: i === 0,
    managedByTenants: Array.isArray(v.managedByTenants) ? v.managedByTenants : [],
  }));
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` in local time, as az prints `expiresOn`. */
function pyLocalDateTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

export const commands: CommandDef[] = [
  {
    name: "login",
    summary: "Log in to the lab: as its admin user by default (no prompt), or with -u/-p, or as a service principal.",
    args: [
      { dest: "username", options: ["--username", "-u"], help: "User name, or the service principal's application id with --service-principal. Default: the lab's admin user." },
      { dest: "password", options: ["--password", "-p"], help: "The user's password, or the service principal's client secret. Default: the lab admin's." },
      { dest: "service_principal", options: ["--service-principal"], kind: "flag", help: "Log in with a service principal." },
      { dest: "tenant", options: ["--tenant", "-t"], help: "The tenant (id or domain). Default: the lab's tenant." },
      { dest: "allow_no_subscriptions", options: ["--allow-no-subscriptions"], kind: "flag", help: "Support access tenants without subscriptions." },
    ],
    examples: [
      { summary: "Log in as the lab's admin user (no prompt).", command: "az login" },
      { summary: "Log in with a service principal using a client secret.", command: "az login --service-principal -u <app-id> -p <secret> --tenant <tenant>" },
    ],
    async run(ctx, a) {
      const s = ctx.session();
      const sp = bool(a, "service_principal") === true;
      let user: ProfileUser;
      if (sp) {
        const u = str(a, "username");
        const p = str(a, "password");
        if (!u || !p) throw new UsageError("usage error: --service-principal --username NAME --password SECRET --tenant TENANT");
        user = { type: "servicePrincipal", name: u, secret: p };
      } else {
        user = { type: "user", name: str(a, "username") ?? s.lab.admin.userPrincipalName, secret: str(a, "password") ?? s.lab.admin.password };
      }
      const tenant = str(a, "tenant") ?? s.lab.tenantId;
      const token = await s.requestToken(user, tenant, ARM_RESOURCE);
      const tid = jwtClaims(token.accessToken).tid;
      const subs = await listSubscriptions(s, token.accessToken);
      if (subs.length === 0 && bool(a, "allow_no_subscriptions") !== true) {
        throw new CliError(`No subscriptions found for ${user.name}.`);
      }
      const profile: Profile = {
        labUrl: s.lab.url,
        tenantId: typeof tid === "string" ? tid : s.lab.tenantId,
        user,
        subscriptions: subs,
        tokens: { [ARM_RESOURCE]: token },
      };
      s.setProfile(profile);
      return subs.map((x) => subscriptionView(profile, x, "cloudName"));
    },
  },
  {
    name: "logout",
    summary: "Log out to remove access to the lab.",
    args: [{ dest: "username", options: ["--username"], help: "Account user, if missing, logout the current active account." }],
    async run(ctx) {
      const s = ctx.session();
      if (!s.profile) throw new CliError("There are no active accounts.");
      s.setProfile(undefined);
      return undefined;
    },
  },
  {
    name: "account show",
    summary: "Get the details of a subscription.",
    args: [SUBSCRIPTION_ARG, { dest: "name", options: ["--name", "-n"], help: "Name or ID of subscription." }],
    examples: [{ summary: "Get the details of the current subscription.", command: "az account show" }],
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription") ?? str(a, "name"));
      return subscriptionView(s.requireProfile(), sub, "environmentName");
    },
  },
  {
    name: "account list",
    summary: "Get a list of subscriptions for the logged in account.",
    args: [
      { dest: "all", options: ["--all"], kind: "flag", help: "List all subscriptions from all clouds, rather than just 'Enabled' ones." },
      { dest: "refresh", options: ["--refresh"], kind: "flag", help: "Retrieve up-to-date subscriptions from server." },
    ],
    tableTransform: (v: Json) =>
      Array.isArray(v)
        ? v.filter(isJsonObject).map((x) => ({ Name: x.name ?? null, CloudName: x.cloudName ?? null, SubscriptionId: x.id ?? null, TenantId: x.tenantId ?? null, State: x.state ?? null, IsDefault: x.isDefault ?? null }))
        : v,
    async run(ctx, a) {
      const s = ctx.session();
      const p = s.profile;
      if (!p) {
        ctx.warn("Please run \"az login\" to access your accounts.");
        return [];
      }
      if (bool(a, "refresh")) {
        const fresh = await listSubscriptions(s, (await s.token(ARM_RESOURCE)).accessToken);
        const def = p.subscriptions.find((x) => x.isDefault)?.id;
        for (const x of fresh) x.isDefault = x.id === def;
        if (fresh.length && !fresh.some((x) => x.isDefault)) fresh[0]!.isDefault = true;
        p.subscriptions = fresh;
        s.setProfile(p);
      }
      return p.subscriptions.map((x) => subscriptionView(p, x, "cloudName"));
    },
  },
  {
    name: "account set",
    summary: "Set a subscription to be the current active subscription.",
    args: [{ dest: "subscription", options: ["--subscription", "-s", "--name", "-n"], required: true, help: "Name or ID of subscription." }],
    examples: [{ summary: "Set the current active subscription.", command: "az account set -s 00000000-0000-0000-0000-000000000000" }],
    async run(ctx, a) {
      const s = ctx.session();
      const p = s.requireProfile();
      const sub = s.subscription(str(a, "subscription"));
      for (const x of p.subscriptions) x.isDefault = x.id === sub.id;
      s.setProfile(p);
      return undefined;
    },
  },
  {
    name: "account get-access-token",
    summary: "Get a token for utilities to access Azure.",
    args: [
      { ...SUBSCRIPTION_ARG, group: undefined },
      { dest: "resource", options: ["--resource"], help: "Azure resource endpoints in AAD v1.0." },
      { dest: "scope", options: ["--scope"], kind: "list", help: "Space-separated AAD scopes in AAD v2.0. Default to Azure Resource Manager." },
      { dest: "resource_type", options: ["--resource-type"], choices: ["aad-graph", "arm", "batch", "data-lake", "media", "ms-graph", "oss-rdbms"], help: "Type of well-known resource." },
      { dest: "tenant", options: ["--tenant", "-t"], help: "Tenant ID for which the token is acquired." },
    ],
    examples: [{ summary: "Get an access token for the current account.", command: "az account get-access-token" }],
    async run(ctx, a) {
      const s = ctx.session();
      const scopes = list(a, "scope");
      if (scopes && str(a, "resource")) throw new CliError("usage error: --resource/--resource-type/--scope are mutually exclusive");
      const types: Record<string, string> = { arm: ARM_RESOURCE, "ms-graph": "https://graph.microsoft.com", "aad-graph": "https://graph.windows.net" };
      const resource = scopes ? scopes[0]!.replace(/\/\.default$/, "") : str(a, "resource") ?? (str(a, "resource_type") ? types[str(a, "resource_type")!] : undefined) ?? ARM_RESOURCE;
      const t = await s.token(resource);
      const out: JsonObject = {
        accessToken: t.accessToken,
        expiresOn: pyLocalDateTime(t.expiresOn),
        expires_on: Math.floor(t.expiresOn / 1000),
        tenant: s.requireProfile().tenantId,
        tokenType: "Bearer",
      };
      if (!str(a, "tenant")) out.subscription = s.subscription(str(a, "subscription")).id;
      return out;
    },
  },
];
