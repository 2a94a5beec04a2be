import type { CommandDef, GroupDef } from "../core/command.js";
import { CliError } from "../core/errors.js";
import { GRAPH_RESOURCE, jwtClaims } from "../core/session.js";

export const groups: GroupDef[] = [
  { name: "ad", summary: "Manage Microsoft Entra ID entities needed for Azure role-based access control (Azure RBAC) through Microsoft Graph API." },
  { name: "ad signed-in-user", summary: "Show graph information about current signed-in user in CLI." },
];

export const commands: CommandDef[] = [
  {
    name: "ad signed-in-user show",
    summary: "Get the details for the currently logged-in user.",
    args: [],
    examples: [{ summary: "Get the object id of the signed-in user.", command: "az ad signed-in-user show --query id -o tsv" }],
    async run(ctx) {
      const s = ctx.session();
      const p = s.requireProfile();
      if (p.user.type !== "user") throw new CliError("/me request is only valid with delegated authentication flow.");
      // The lab has no Graph endpoint yet: the user's object comes from the claims of a Graph token the lab issued.
      const c = jwtClaims((await s.token(GRAPH_RESOURCE)).accessToken);
      const upn = typeof c.upn === "string" ? c.upn : p.user.name;
      const name = typeof c.name === "string" ? c.name : upn.split("@")[0]!;
      return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        businessPhones: [],
        displayName: name,
        givenName: null,
        id: typeof c.oid === "string" ? c.oid : null,
        jobTitle: null,
        mail: null,
        mobilePhone: null,
        officeLocation: null,
        preferredLanguage: null,
        surname: null,
        userPrincipalName: upn,
      };
    },
  },
];
