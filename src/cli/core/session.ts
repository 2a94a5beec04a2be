import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError, ServiceError, notLoggedIn } from "./errors.js";
import { HttpClient, parseJson, type DebugLog, type HttpResponse } from "./http.js";
import { configDir, findLab, labCa, vaultResourceFor, type LabEndpoints } from "./lab.js";
import { isJsonObject, type Json, type JsonObject } from "./types.js";

/** The Azure CLI's public client id: the password grant signs in "through az". */
export const AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
export const ARM_RESOURCE = "https://management.azure.com";
export const GRAPH_RESOURCE = "https://graph.microsoft.com";

export interface SubscriptionEntry {
  id: string;
  name: string;
  state: string;
  tenantId: string;
  homeTenantId: string;
  isDefault: boolean;
  managedByTenants: Json[];
}

export interface ProfileUser {
  type: "user" | "servicePrincipal";
  name: string;
  /** The password or client secret (the lab has no refresh tokens: the CLI signs in again when a token expires). */
  secret: string;
}

export interface CachedToken {
  accessToken: string;
  /** Unix ms, local clock. */
  expiresOn: number;
}

export interface Profile {
  labUrl: string;
  tenantId: string;
  user: ProfileUser;
  subscriptions: SubscriptionEntry[];
  tokens: Record<string, CachedToken>;
}

export interface TokenResult extends CachedToken {
  tokenType: "Bearer";
}

function profilePath(): string {
  return join(configDir(), "cli-profile.json");
}

export function loadProfile(): Profile | undefined {
  try {
    return JSON.parse(readFileSync(profilePath(), "utf8")) as Profile;
  } catch {
    return undefined;
  }
}

export function saveProfile(p: Profile): void {
  const path = profilePath();
  mkdirSync(configDir(), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(p, null, 2), { mode: 0o600 });
  renameSync(tmp, path);
}

export function deleteProfile(): void {
  rmSync(profilePath(), { force: true });
}

/** Decodes a JWT's claims without verifying it (the CLI only reads its own tokens). */
export function jwtClaims(token: string): JsonObject {
  const part = token.split(".")[1];
  if (!part) return {};
  const v = parseJson(Buffer.from(part, "base64url").toString("utf8"));
  return isJsonObject(v) ? v : {};
}

export interface ArmCall {
  method: string;
  path: string;
  apiVersion: string;
  body?: Json;
  query?: Record<string, string>;
}

/** One CLI invocation's connection to the lab: endpoints, HTTP client, signed-in account and tokens. */
export class Session {
  readonly lab: LabEndpoints;
  readonly http: HttpClient;
  private profileCache: Profile | undefined | null = null;
  commandName = "";

  constructor(readonly debug?: DebugLog) {
    this.lab = findLab();
    this.http = new HttpClient(labCa(this.lab), debug);
  }

  get profile(): Profile | undefined {
    if (this.profileCache === null) {
      const p = loadProfile();
      // A profile made against another lab (a new in-memory lab has a new tenant) no longer signs in.
      this.profileCache = p && p.tenantId === this.lab.tenantId ? p : undefined;
    }
    return this.profileCache;
  }

  requireProfile(): Profile {
    const p = this.profile;
    if (!p) throw notLoggedIn();
    return p;
  }

  setProfile(p: Profile | undefined): void {
    this.profileCache = p;
    if (p) saveProfile(p);
    else deleteProfile();
  }

  /** The subscription a command targets: `--subscription` (id or name), else the default one. */
  subscription(arg?: string): SubscriptionEntry {
    const p = this.requireProfile();
    if (arg) {
      const s = p.subscriptions.find((x) => x.id.toLowerCase() === arg.toLowerCase() || x.name.toLowerCase() === arg.toLowerCase());
      if (!s) throw new CliError(`The subscription of '${arg}' doesn't exist in cloud 'AzureCloud'.`);
      return s;
    }
    const s = p.subscriptions.find((x) => x.isDefault) ?? p.subscriptions[0];
    if (!s) throw new CliError("No subscription found. Run 'az account set' to select a subscription.");
    return s;
  }

  /** Signs in at the lab's token endpoint (password grant for a user, client secret for a service principal). */
  async requestToken(user: ProfileUser, tenant: string, resource: string): Promise<CachedToken> {
    const form = new URLSearchParams();
    form.set("scope", `${resource.replace(/\/+$/, "")}/.default`);
    if (user.type === "user") {
      form.set("grant_type", "password");
      form.set("client_id", AZURE_CLI_CLIENT_ID);
      form.set("username", user.name);
      form.set("password", user.secret);
    } else {
      form.set("grant_type", "client_credentials");
      form.set("client_id", user.name);
      form.set("client_secret", user.secret);
    }
    form.set("client_info", "1");
    const started = Date.now();
    const res = await this.http.send({
      method: "POST",
      url: `${this.lab.authorityHost.replace(/\/+$/, "")}/${tenant}/oauth2/v2.0/token`,
      headers: { "content-type": "application/x-www-form-urlencoded;charset=utf-8" },
      body: form.toString(),
    });
    const body = parseJson(res.text);
    if (res.status !== 200 || !isJsonObject(body) || typeof body.access_token !== "string") {
      const desc = isJsonObject(body) && typeof body.error_description === "string" ? body.error_description : `token request failed with status ${res.status}`;
      throw new CliError(desc.split(/\s+Trace ID:/)[0]!.trim(), 1, hintOf(res, body));
    }
    const expiresIn = typeof body.expires_in === "number" ? body.expires_in : Number(body.expires_in ?? 3599);
    return { accessToken: body.access_token, expiresOn: started + expiresIn * 1000 };
  }

  /** A token for `resource`, from the profile cache unless it expires within five minutes. */
  async token(resource: string, force = false): Promise<TokenResult> {
    const p = this.requireProfile();
    const key = resource.replace(/\/+$/, "").toLowerCase();
    const cached = p.tokens[key];
    if (!force && cached && cached.expiresOn - 5 * 60_000 > Date.now()) return { ...cached, tokenType: "Bearer" };
    const fresh = await this.requestToken(p.user, p.tenantId, resource);
    p.tokens[key] = fresh;
    this.setProfile(p);
    return { ...fresh, tokenType: "Bearer" };
  }

  private async authorized(resource: string, send: (token: string) => Promise<HttpResponse>): Promise<HttpResponse> {
    const res = await send((await this.token(resource)).accessToken);
    // The lab clock may have moved past the cached token's expiry: sign in again, once.
    return res.status === 401 ? send((await this.token(resource, true)).accessToken) : res;
  }

  /** An ARM call with the signed-in account's token; error envelopes become ServiceErrors. */
  async arm(call: ArmCall): Promise<Json | undefined> {
    const res = await this.armRaw(call);
    if (res.status >= 400) throw serviceError(res);
    return parseJson(res.text);
  }

  async armRaw(call: ArmCall): Promise<HttpResponse> {
    const q = new URLSearchParams({ ...(call.query ?? {}), "api-version": call.apiVersion });
    const url = `${this.lab.armEndpoint.replace(/\/+$/, "")}${call.path}?${q.toString().replace(/%24/g, "$").replace(/\+/g, "%20")}`;
    const headers: Record<string, string> = { CommandName: this.commandName, ParameterSetName: "" };
    if (call.body !== undefined) headers["content-type"] = "application/json";
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    return this.authorized(ARM_RESOURCE, (token) => this.http.send({ method: call.method, url, headers: { ...headers, authorization: `Bearer ${token}` }, body }));
  }

  /** A Key Vault data-plane call: the token is for the vault's resource (a 401 challenge names another one). */
  async keyVault(method: string, vaultUrl: string, path: string, body?: Json, apiVersion = "7.5"): Promise<Json | undefined> {
    const base = vaultUrl.replace(/\/+$/, "");
    const url = `${base}${path}${path.includes("?") ? "&" : "?"}api-version=${apiVersion}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = payload === undefined ? {} : { "content-type": "application/json" };
    let resource = vaultResourceFor(vaultUrl);
    const send = (token: string) => this.http.send({ method, url, headers: { ...headers, authorization: `Bearer ${token}` }, body: payload });
    let res = await this.authorized(resource, send);
    if (res.status === 401) {
      const challenged = challengeResource(res);
      if (challenged && challenged !== resource) {
        resource = challenged;
        res = await this.authorized(resource, send);
      }
    }
    if (res.status >= 400) throw serviceError(res);
    return parseJson(res.text);
  }

  /** A Microsoft Graph call (`/v1.0/me`); Graph's errors print as az prints them: the message alone. */
  async graph(method: string, path: string, body?: Json): Promise<Json | undefined> {
    const url = `${(this.lab.graphEndpoint ?? this.lab.url).replace(/\/+$/, "")}${path}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = payload === undefined ? {} : { "content-type": "application/json" };
    const res = await this.authorized(GRAPH_RESOURCE, (token) => this.http.send({ method, url, headers: { ...headers, authorization: `Bearer ${token}` }, body: payload }));
    const parsed = parseJson(res.text);
    if (res.status >= 400) {
      const e = serviceError(res);
      throw new CliError(e.serviceMessage, 1, hintOf(res, parsed));
    }
    return parsed;
  }

  /** The lab's own API under `/_wilab` (needs an ARM token). */
  async labApi(method: string, path: string, body?: Json): Promise<Json | undefined> {
    const url = `${this.lab.url.replace(/\/+$/, "")}${path}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = payload === undefined ? {} : { "content-type": "application/json" };
    const res = await this.authorized(ARM_RESOURCE, (token) => this.http.send({ method, url, headers: { ...headers, authorization: `Bearer ${token}` }, body: payload }));
    if (res.status >= 400) throw serviceError(res);
    return parseJson(res.text);
  }

  close(): void {
    this.http.close();
  }
}

function challengeResource(res: HttpResponse): string | undefined {
  const h = res.headers["www-authenticate"];
  const s = Array.isArray(h) ? h.join(", ") : h;
  const m = s ? /resource="([^"]+)"/i.exec(s) ?? /scope="([^"]+?)(?:\/\.default)?"/i.exec(s) : null;
  return m ? m[1]!.replace(/\/+$/, "") : undefined;
}

function hintOf(res: HttpResponse, body: Json | undefined): string[] {
  const h = res.headers["x-wilab-hint"];
  const fromBody = isJsonObject(body) && isJsonObject(body.error) && typeof body.error.wilabHint === "string" ? body.error.wilabHint : undefined;
  const hint = fromBody ?? (Array.isArray(h) ? h[0] : h);
  return hint ? [`wilab hint: ${hint}`] : [];
}

/** The service's error envelope as az prints it; a body without one falls back to the status line. */
export function serviceError(res: HttpResponse): ServiceError {
  const body = parseJson(res.text);
  const err = isJsonObject(body) && isJsonObject(body.error) ? body.error : isJsonObject(body) && isJsonObject(body.Error) ? body.Error : undefined;
  const hint = hintOf(res, body)[0]?.replace(/^wilab hint: /, "");
  if (err) {
    const code = typeof err.code === "string" ? err.code : typeof err.Code === "string" ? err.Code : "Unknown";
    const message = typeof err.message === "string" ? err.message : typeof err.Message === "string" ? err.Message : "";
    const inner = err.innererror ?? err.innerError;
    return new ServiceError(res.status, code, message, inner === undefined ? undefined : inner, typeof err.target === "string" ? err.target : undefined, hint);
  }
  const reason = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict" }[res.status] ?? "Error";
  return new ServiceError(res.status, reason, `Operation returned an invalid status '${reason}'`, undefined, undefined, hint);
}
