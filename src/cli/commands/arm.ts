import { SUBSCRIPTION_ARG, type ArgDef } from "../core/command.js";
import { isJsonObject, type Json, type JsonObject } from "../core/types.js";

export const RESOURCES_API = "2021-04-01";
export const MSI_API = "2023-01-31";
export const AUTHZ_API = "2022-04-01";
export const KEYVAULT_API = "2023-07-01";

export const RG_ARG: ArgDef = {
  dest: "resource_group",
  options: ["--resource-group", "-g"],
  required: true,
  help: "Name of resource group. You can configure the default group using `az configure --defaults group=<name>`.",
  idPart: "resource_group",
};
export const LOCATION_ARG: ArgDef = {
  dest: "location",
  options: ["--location", "-l"],
  help: "Location. Values from: `az account list-locations`. You can configure the default location using `az configure --defaults location=<location>`.",
};
export const TAGS_ARG: ArgDef = { dest: "tags", options: ["--tags"], kind: "list", help: "Space-separated tags: key[=value] [key[=value] ...]. Use \"\" to clear existing tags." };
export { SUBSCRIPTION_ARG };

/** Lower-cases and strips spaces, as ARM normalises a location ("West Europe" → "westeurope"). */
export function normaliseLocation(l: string): string {
  return l.replace(/\s+/g, "").toLowerCase();
}

/** aaz `client_flatten`: the object with `properties` lifted to the top level. */
export function flatten(v: Json | undefined): Json {
  if (!isJsonObject(v)) return v ?? null;
  const { properties, ...rest } = v;
  const out: JsonObject = { ...rest };
  if (isJsonObject(properties)) for (const [k, x] of Object.entries(properties)) if (!(k in out)) out[k] = x;
  return out;
}

export function valueList(v: Json | undefined): Json[] {
  return isJsonObject(v) && Array.isArray(v.value) ? v.value : [];
}

export function enc(s: string): string {
  return encodeURIComponent(s);
}
