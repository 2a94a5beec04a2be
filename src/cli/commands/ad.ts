import type { CommandDef, GroupDef } from "../core/command.js";

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
      return ctx.session().graph("GET", "/v1.0/me");
    },
  },
];
