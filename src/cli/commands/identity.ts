import { list, str, tagsArg, type ArgDef, type Args, type CommandDef, type GroupDef } from "../core/command.js";
import { CliError } from "../core/errors.js";
import type { Session } from "../core/session.js";
import { isJsonObject, type JsonObject } from "../core/types.js";
import { LOCATION_ARG, MSI_API, RESOURCES_API, RG_ARG, SUBSCRIPTION_ARG, TAGS_ARG, enc, flatten, normaliseLocation, valueList } from "./arm.js";

export const groups: GroupDef[] = [
  { name: "identity", summary: "Manage Managed Identities." },
  { name: "identity federated-credential", summary: "Manage federated credentials under user assigned identities." },
];

const NAME: ArgDef = { dest: "name", options: ["--name", "-n"], required: true, help: "The name of the identity resource.", idPart: "name" };
const YES: ArgDef = { dest: "yes", options: ["--yes", "-y"], kind: "flag", help: "Do not prompt for confirmation." };

function identityPath(s: Session, a: Args): string {
  const sub = s.subscription(str(a, "subscription")).id;
  return `/subscriptions/${sub}/resourcegroups/${enc(str(a, "resource_group")!)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${enc(str(a, "identity_name") ?? str(a, "name")!)}`;
}

const identityTable = (v: import("../core/types.js").Json) =>
  (Array.isArray(v) ? v : [v]).filter(isJsonObject).map((r) => ({
    Location: r.location ?? null,
    Name: r.name ?? null,
    ResourceGroup: r.resourceGroup ?? null,
  }));

const FIC_NAME: ArgDef = { dest: "name", options: ["--name", "-n"], required: true, help: "The name of the federated identity credential resource.", idPart: "child_name_1" };
const FIC_IDENTITY: ArgDef = { dest: "identity_name", options: ["--identity-name"], required: true, help: "The name of the identity resource.", idPart: "name" };

function ficPath(s: Session, a: Args): string {
  return `${identityPath(s, a)}/federatedIdentityCredentials/${enc(str(a, "name")!)}`;
}

export const commands: CommandDef[] = [
  {
    name: "identity create",
    summary: "Create an identity.",
    args: [NAME, RG_ARG, LOCATION_ARG, TAGS_ARG, SUBSCRIPTION_ARG],
    examples: [{ summary: "Create an identity.", command: "az identity create --name MyIdentity --resource-group MyResourceGroup" }],
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      let location = str(a, "location");
      if (!location) {
        const rg = await s.arm({ method: "GET", path: `/subscriptions/${sub}/resourcegroups/${enc(str(a, "resource_group")!)}`, apiVersion: RESOURCES_API });
        location = isJsonObject(rg) && typeof rg.location === "string" ? rg.location : "westeurope";
      }
      const body: JsonObject = { location: normaliseLocation(location) };
      const tags = tagsArg(a);
      if (tags) body.tags = tags;
      return flatten(await s.arm({ method: "PUT", path: identityPath(s, a), apiVersion: MSI_API, body }));
    },
  },
  {
    name: "identity show",
    summary: "Show an identity's details.",
    ids: true,
    args: [NAME, RG_ARG, SUBSCRIPTION_ARG],
    examples: [{ summary: "Show an identity's client id.", command: "az identity show --name MyIdentity --resource-group MyResourceGroup --query clientId --output tsv" }],
    tableTransform: identityTable,
    async run(ctx, a) {
      const s = ctx.session();
      return flatten(await s.arm({ method: "GET", path: identityPath(s, a), apiVersion: MSI_API }));
    },
  },
  {
    name: "identity list",
    summary: "List all managed identities within a subscription or a resource group.",
    args: [{ ...RG_ARG, required: false, idPart: undefined }, SUBSCRIPTION_ARG],
    examples: [{ summary: "List the identities of a resource group.", command: "az identity list --resource-group MyResourceGroup" }],
    tableTransform: identityTable,
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      const rg = str(a, "resource_group");
      const path = rg
        ? `/subscriptions/${sub}/resourcegroups/${enc(rg)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`
        : `/subscriptions/${sub}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`;
      return valueList(await s.arm({ method: "GET", path, apiVersion: MSI_API })).map(flatten);
    },
  },
  {
    name: "identity delete",
    summary: "Delete an identity.",
    ids: true,
    args: [NAME, RG_ARG, SUBSCRIPTION_ARG],
    examples: [{ summary: "Delete an identity.", command: "az identity delete --name MyIdentity --resource-group MyResourceGroup" }],
    async run(ctx, a) {
      const s = ctx.session();
      await s.arm({ method: "DELETE", path: identityPath(s, a), apiVersion: MSI_API });
      return undefined;
    },
  },
  {
    name: "identity federated-credential create",
    summary: "Create a federated identity credential under an existing user assigned identity.",
    args: [
      FIC_NAME,
      FIC_IDENTITY,
      RG_ARG,
      { dest: "issuer", options: ["--issuer"], help: "The openId connect metadata URL of the issuer of the identity provider that Azure AD would use in the token exchange protocol for validating tokens before issuing a token as the user-assigned managed identity." },
      { dest: "subject", options: ["--subject"], help: "The sub value in the token sent to Azure AD for getting the user-assigned managed identity token. The value configured in the federated credential and the one in the incoming token must exactly match for Azure AD to issue the access token." },
      { dest: "audiences", options: ["--audiences"], kind: "list", help: "The aud value in the token sent to Azure for getting the user-assigned managed identity token. The value configured in the federated credential and the one in the incoming token must exactly match for Azure to issue the access token. Default value is 'api://AzureADTokenExchange' if not specified." },
      SUBSCRIPTION_ARG,
    ],
    examples: [
      {
        summary: "Create a federated identity credential under a specific user assigned identity.",
        command: "az identity federated-credential create --name myFicName --identity-name myIdentityName --resource-group myResourceGroup --issuer myIssuer --subject mySubject --audiences myAudiences",
      },
    ],
    async run(ctx, a) {
      const issuer = str(a, "issuer");
      const subject = str(a, "subject");
      if (!issuer || !subject) throw new CliError("usage error: please provide both --issuer and --subject parameters");
      const s = ctx.session();
      const audiences = list(a, "audiences") ?? ["api://AzureADTokenExchange"];
      return flatten(await s.arm({ method: "PUT", path: ficPath(s, a), apiVersion: MSI_API, body: { properties: { issuer, subject, audiences } } }));
    },
  },
  {
    name: "identity federated-credential update",
    summary: "Update a federated identity credential under an existing user assigned identity.",
    ids: true,
    args: [
      FIC_NAME,
      FIC_IDENTITY,
      RG_ARG,
      { dest: "issuer", options: ["--issuer"], group: "Properties", help: "The openId connect metadata URL of the issuer of the identity provider that Azure AD would use in the token exchange protocol for validating tokens before issuing a token as the user-assigned managed identity." },
      { dest: "subject", options: ["--subject"], group: "Properties", help: "The sub value in the token sent to Azure AD for getting the user-assigned managed identity token. The value configured in the federated credential and the one in the incoming token must exactly match for Azure AD to issue the access token." },
      { dest: "audiences", options: ["--audiences"], kind: "list", group: "Properties", help: "The aud value in the token sent to Azure for getting the user-assigned managed identity token. The value configured in the federated credential and the one in the incoming token must exactly match for Azure to issue the access token." },
      SUBSCRIPTION_ARG,
    ],
    examples: [
      {
        summary: "Update a federated identity credential under a specific user assigned identity.",
        command: "az identity federated-credential update --identity-name myIdentityName --name myFicName --resource-group myResourceGroup --issuer myIssuer --subject mySubject --audiences myAudiences",
      },
    ],
    async run(ctx, a) {
      // az's generic update: GET the credential (a missing one is ARM's error), merge the given properties, PUT the whole object.
      const s = ctx.session();
      const current = await s.arm({ method: "GET", path: ficPath(s, a), apiVersion: MSI_API });
      const props: JsonObject = isJsonObject(current) && isJsonObject(current.properties) ? { ...current.properties } : {};
      const issuer = str(a, "issuer");
      const subject = str(a, "subject");
      const audiences = list(a, "audiences");
      if (issuer !== undefined) props.issuer = issuer;
      if (subject !== undefined) props.subject = subject;
      if (audiences !== undefined) props.audiences = audiences;
      const put: JsonObject = {};
      for (const k of ["audiences", "issuer", "subject"]) if (props[k] !== undefined && props[k] !== null) put[k] = props[k]!;
      const body: JsonObject = { properties: put };
      return flatten(await s.arm({ method: "PUT", path: ficPath(s, a), apiVersion: MSI_API, body }));
    },
  },
  {
    name: "identity federated-credential show",
    summary: "Show details of a federated identity credential under an existing user assigned identity.",
    ids: true,
    args: [FIC_NAME, FIC_IDENTITY, RG_ARG, SUBSCRIPTION_ARG],
    examples: [
      { summary: "Show details of a federated identity credential under a specific user assigned identity.", command: "az identity federated-credential show --name myFicName --identity-name myIdentityName --resource-group myResourceGroup" },
    ],
    async run(ctx, a) {
      const s = ctx.session();
      return flatten(await s.arm({ method: "GET", path: ficPath(s, a), apiVersion: MSI_API }));
    },
  },
  {
    name: "identity federated-credential list",
    summary: "List all federated identity credentials under an existing user assigned identity.",
    args: [{ ...FIC_IDENTITY, idPart: undefined }, { ...RG_ARG, idPart: undefined }, SUBSCRIPTION_ARG],
    examples: [
      { summary: "List all federated identity credentials under an existing user assigned identity.", command: "az identity federated-credential list --identity-name myIdentityName --resource-group myResourceGroup" },
    ],
    async run(ctx, a) {
      const s = ctx.session();
      return valueList(await s.arm({ method: "GET", path: `${identityPath(s, a)}/federatedIdentityCredentials`, apiVersion: MSI_API })).map(flatten);
    },
  },
  {
    name: "identity federated-credential delete",
    summary: "Delete a federated identity credential under an existing user assigned identity.",
    ids: true,
    confirm: true,
    args: [FIC_NAME, FIC_IDENTITY, RG_ARG, YES, SUBSCRIPTION_ARG],
    examples: [
      { summary: "Delete a federated identity credential under a specific user assigned identity.", command: "az identity federated-credential delete --name myFicName --identity-name myIdentityName --resource-group myResourceGroup" },
    ],
    async run(ctx, a) {
      const s = ctx.session();
      await s.arm({ method: "DELETE", path: ficPath(s, a), apiVersion: MSI_API });
      return undefined;
    },
  },
];
