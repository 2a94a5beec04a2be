import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cjsExports } from "../../platform/interop.js";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { list, str, type ArgDef, type Args, type CommandDef, type GroupDef } from "../core/command.js";
import { CliError } from "../core/errors.js";
import type { Session } from "../core/session.js";
import { isJsonObject, type Json, type JsonObject } from "../core/types.js";
import { LOCATION_ARG, RG_ARG, SUBSCRIPTION_ARG, TAGS_ARG, enc, flatten, normaliseLocation, valueList } from "./arm.js";

export const CONNECTED_CLUSTER_API = "2024-12-01-preview";
export const PROVISIONED_CLUSTER_API = "2024-01-01";
const CUSTOM_LOCATION_API = "2021-08-15";
const LNET_API = "2024-01-01";

export const groups: GroupDef[] = [
  { name: "aksarc", summary: "Manage provisioned Kubernetes clusters (AKS enabled by Azure Arc)." },
  { name: "connectedk8s", summary: "Commands to manage connected kubernetes clusters." },
  { name: "customlocation", summary: "Commands to Create, Get, List and Delete CustomLocations." },
  { name: "stack-hci-vm", summary: "Manage Azure Local virtual machine resources." },
  { name: "stack-hci-vm network", summary: "Manage networking with Azure Local virtual machines." },
  { name: "stack-hci-vm network lnet", summary: "Manage logical networks with Azure Local virtual machines." },
];

const NAME = (help: string): ArgDef => ({ dest: "name", options: ["--name", "-n"], required: true, help, idPart: "name" });

function ccPath(s: Session, a: Args): string {
  const sub = s.subscription(str(a, "subscription")).id;
  return `/subscriptions/${sub}/resourceGroups/${enc(str(a, "resource_group")!)}/providers/Microsoft.Kubernetes/connectedClusters/${enc(str(a, "name")!)}`;
}

const pciPath = (s: Session, a: Args) => `${ccPath(s, a)}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/default`;

function kubeconfigPath(file?: string): string {
  if (file) return file;
  const env = process.env.KUBECONFIG?.split(":").find(Boolean);
  return env ?? join(homedir(), ".kube", "config");
}

interface Named {
  name: string;
  [k: string]: unknown;
}

/** Merges a kubeconfig's cluster, user and context into a file and makes the context current (as az does). */
async function mergeKubeconfig(incoming: string, file: string, contextName?: string): Promise<string> {
  const YAML = cjsExports(await import("yaml"), "parse");
  const add = YAML.parse(incoming) as { clusters: Named[]; users: Named[]; contexts: Named[]; "current-context": string };
  if (contextName) {
    const ctx = add.contexts[0]!;
    ctx.name = contextName;
    add["current-context"] = contextName;
  }
  const existing = existsSync(file) ? (YAML.parse(readFileSync(file, "utf8")) as Record<string, unknown> | null) : null;
  const base: Record<string, unknown> = existing && typeof existing === "object" ? existing : { apiVersion: "v1", kind: "Config", preferences: {} };
  for (const key of ["clusters", "users", "contexts"] as const) {
    const cur = (Array.isArray(base[key]) ? (base[key] as Named[]) : []).filter((x) => !add[key].some((n) => n.name === x.name));
    base[key] = [...cur, ...add[key]];
  }
  base["current-context"] = add["current-context"];
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, YAML.stringify(base), { mode: 0o600 });
  return add["current-context"];
}

/** The first kubeconfig of a `{"kubeconfigs":[{"name","value":<base64>}]}` answer (listAdminKubeconfig, listClusterUserCredential). */
function firstKubeconfig(res: Json | undefined): string {
  const k = isJsonObject(res) && Array.isArray(res.kubeconfigs) ? res.kubeconfigs[0] : undefined;
  if (!isJsonObject(k) || typeof k.value !== "string") throw new CliError("The cluster returned no kubeconfig.");
  return Buffer.from(k.value, "base64").toString("utf8");
}

async function fetchKubeconfig(s: Session, a: Args, admin: boolean): Promise<string> {
  return firstKubeconfig(await s.arm({ method: "POST", path: `${pciPath(s, a)}/${admin ? "listAdminKubeconfig" : "listUserKubeconfig"}`, apiVersion: PROVISIONED_CLUSTER_API, body: {} }));
}

/** `show` and `list` for a read-only Azure Local resource type (custom locations, logical networks). */
function infraCommands(prefix: string, type: string, apiVersion: string, noun: string, showSummary: string, listSummary: string): CommandDef[] {
  const base = (s: Session, a: Args) => {
    const sub = s.subscription(str(a, "subscription")).id;
    const rg = str(a, "resource_group");
    return rg ? `/subscriptions/${sub}/resourceGroups/${enc(rg)}/providers/${type}` : `/subscriptions/${sub}/providers/${type}`;
  };
  return [
    {
      name: `${prefix} show`,
      summary: showSummary,
      ids: true,
      args: [NAME(`Name of ${noun}.`), RG_ARG, SUBSCRIPTION_ARG],
      async run(ctx, a) {
        const s = ctx.session();
        return s.arm({ method: "GET", path: `${base(s, a)}/${enc(str(a, "name")!)}`, apiVersion });
      },
    },
    {
      name: `${prefix} list`,
      summary: listSummary,
      args: [{ ...RG_ARG, required: false, idPart: undefined }, SUBSCRIPTION_ARG],
      async run(ctx, a) {
        const s = ctx.session();
        return valueList(await s.arm({ method: "GET", path: base(s, a), apiVersion }));
      },
    },
  ];
}

export const commands: CommandDef[] = [
  {
    name: "aksarc create",
    summary: "Create a provisioned Kubernetes cluster (AKS enabled by Azure Arc).",
    args: [
      NAME("Name of the provisioned cluster."),
      RG_ARG,
      { dest: "custom_location", options: ["--custom-location"], required: true, help: "Name or ID of the custom location to use for the provisioned cluster." },
      { dest: "vnet_ids", options: ["--vnet-ids"], kind: "list", help: "ARM IDs of the logical networks (vnets)." },
      { dest: "aad_admin_group_object_ids", options: ["--aad-admin-group-object-ids", "-i"], kind: "list", help: "Comma-separated list of Microsoft Entra group object IDs to set as cluster admins." },
      { dest: "generate_ssh_keys", options: ["--generate-ssh-keys"], kind: "flag", help: "Generate SSH public and private key files if missing." },
      { dest: "ssh_key_value", options: ["--ssh-key-value"], help: "Path to an SSH key file or key value." },
      { dest: "enable_oidc_issuer", options: ["--enable-oidc-issuer"], kind: "flag", help: "Enable the OIDC issuer (preview)." },
      { dest: "enable_workload_identity", options: ["--enable-workload-identity"], kind: "flag", help: "Enable workload identity (preview); needs --enable-oidc-issuer. It can only be enabled at creation." },
      { dest: "kubernetes_version", options: ["--kubernetes-version", "-k"], help: "The Kubernetes version of the provisioned cluster." },
      { dest: "node_count", options: ["--node-count", "-c"], help: "Number of nodes of the default node pool.", default: "1" },
      { dest: "control_plane_count", options: ["--control-plane-count"], help: "Number of control plane nodes.", default: "1" },
      { dest: "no_wait", options: ["--no-wait"], kind: "flag", help: "Do not wait for the long-running operation to finish." },
      LOCATION_ARG,
      TAGS_ARG,
      SUBSCRIPTION_ARG,
    ],
    examples: [
      {
        summary: "Create an AKS Arc cluster with workload identity.",
        command:
          "az aksarc create -n myAKSCluster -g myResourceGroup --custom-location $customlocation_ID --vnet-ids $logicnet_Id --aad-admin-group-object-ids <group-ids> --generate-ssh-keys --enable-oidc-issuer --enable-workload-identity",
      },
    ],
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      if (a.enable_workload_identity && !a.enable_oidc_issuer) throw new CliError("--enable-workload-identity requires --enable-oidc-issuer.");
      let cl = str(a, "custom_location")!;
      if (!cl.startsWith("/")) cl = `/subscriptions/${sub}/resourceGroups/${str(a, "resource_group")}/providers/Microsoft.ExtendedLocation/customLocations/${cl}`;
      const clRes = await s.arm({ method: "GET", path: cl, apiVersion: CUSTOM_LOCATION_API });
      const location = str(a, "location") ?? (isJsonObject(clRes) && typeof clRes.location === "string" ? clRes.location : "westeurope");
      const ccBody: JsonObject = {
        location: normaliseLocation(location),
        kind: "ProvisionedCluster",
        identity: { type: "SystemAssigned" },
        properties: {
          agentPublicKeyCertificate: "",
          aadProfile: { enableAzureRBAC: false, adminGroupObjectIDs: list(a, "aad_admin_group_object_ids") ?? [] },
          oidcIssuerProfile: { enabled: !!a.enable_oidc_issuer },
          securityProfile: { workloadIdentity: { enabled: !!a.enable_workload_identity } },
          ...(str(a, "kubernetes_version") ? { kubernetesVersion: str(a, "kubernetes_version")! } : {}),
        },
      };
      const tags = list(a, "tags");
      if (tags) ccBody.tags = Object.fromEntries(tags.map((t) => [t.split("=")[0]!, t.split("=").slice(1).join("=")]));
      await s.arm({ method: "PUT", path: ccPath(s, a), apiVersion: CONNECTED_CLUSTER_API, body: ccBody });
      const vnets = list(a, "vnet_ids") ?? [];
      const pci = await s.arm({
        method: "PUT",
        path: pciPath(s, a),
        apiVersion: PROVISIONED_CLUSTER_API,
        body: {
          extendedLocation: { type: "CustomLocation", name: cl },
          properties: {
            controlPlane: { count: Number(str(a, "control_plane_count") ?? 1), vmSize: "Standard_A4_v2" },
            agentPoolProfiles: [{ name: "nodepool1", count: Number(str(a, "node_count") ?? 1), vmSize: "Standard_A4_v2", osType: "Linux", osSKU: "CBLMariner" }],
            cloudProviderProfile: { infraNetworkProfile: { vnetSubnetIds: vnets } },
            linuxProfile: a.generate_ssh_keys || str(a, "ssh_key_value") ? { ssh: { publicKeys: [{ keyData: str(a, "ssh_key_value") ?? "ssh-rsa (generated by wilab)" }] } } : null,
          },
        },
      });
      return a.no_wait ? undefined : pci;
    },
  },
  {
    name: "aksarc show",
    summary: "Get the provisioned cluster.",
    ids: true,
    args: [NAME("Name of the provisioned cluster."), RG_ARG, SUBSCRIPTION_ARG],
    async run(ctx, a) {
      const s = ctx.session();
      return s.arm({ method: "GET", path: pciPath(s, a), apiVersion: PROVISIONED_CLUSTER_API });
    },
  },
  {
    name: "aksarc list",
    summary: "List the provisioned clusters of a resource group or subscription.",
    args: [{ ...RG_ARG, required: false, idPart: undefined }, SUBSCRIPTION_ARG],
    async run(ctx, a) {
      const s = ctx.session();
      const sub = s.subscription(str(a, "subscription")).id;
      const rg = str(a, "resource_group");
      const path = rg ? `/subscriptions/${sub}/resourceGroups/${enc(rg)}/providers/Microsoft.Kubernetes/connectedClusters` : `/subscriptions/${sub}/providers/Microsoft.Kubernetes/connectedClusters`;
      const out: Json[] = [];
      for (const cc of valueList(await s.arm({ method: "GET", path, apiVersion: CONNECTED_CLUSTER_API }))) {
        if (!isJsonObject(cc) || typeof cc.id !== "string") continue;
        out.push((await s.arm({ method: "GET", path: `${cc.id}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/default`, apiVersion: PROVISIONED_CLUSTER_API })) ?? null);
      }
      return out;
    },
  },
  {
    name: "aksarc delete",
    summary: "Delete the provisioned cluster.",
    ids: true,
    confirm: true,
    args: [NAME("Name of the provisioned cluster."), RG_ARG, { dest: "yes", options: ["--yes", "-y"], kind: "flag", help: "Do not prompt for confirmation." }, { dest: "no_wait", options: ["--no-wait"], kind: "flag", help: "Do not wait." }, SUBSCRIPTION_ARG],
    async run(ctx, a) {
      const s = ctx.session();
      await s.arm({ method: "DELETE", path: pciPath(s, a), apiVersion: PROVISIONED_CLUSTER_API });
      await s.arm({ method: "DELETE", path: ccPath(s, a), apiVersion: CONNECTED_CLUSTER_API });
      return undefined;
    },
  },
  {
    name: "aksarc get-credentials",
    summary: "Get the kubeconfig of the provisioned cluster and merge it into a kubeconfig file.",
    args: [
      NAME("Name of the provisioned cluster."),
      RG_ARG,
      { dest: "admin", options: ["--admin", "-a"], kind: "flag", help: "Get the cluster administrator credentials." },
      { dest: "file", options: ["--file", "-f"], help: "Kubernetes configuration file to update. Default: ~/.kube/config (or the first path of $KUBECONFIG)." },
      { dest: "context", options: ["--context"], help: "If specified, overwrite the default context name." },
      SUBSCRIPTION_ARG,
    ],
    async run(ctx, a) {
      const s = ctx.session();
      const file = kubeconfigPath(str(a, "file"));
      const name = await mergeKubeconfig(await fetchKubeconfig(s, a, !!a.admin), file, str(a, "context"));
      ctx.warn(`Merged "${name}" as current context in ${file}`);
      return undefined;
    },
  },
  {
    name: "connectedk8s show",
    summary: "Show details of a connected cluster.",
    ids: true,
    args: [NAME("The name of the connected cluster."), RG_ARG, SUBSCRIPTION_ARG],
    examples: [{ summary: "Show the OIDC issuer URL.", command: "az connectedk8s show -n myAKSCluster -g myResourceGroup --query oidcIssuerProfile.issuerUrl -o tsv" }],
    async run(ctx, a) {
      const s = ctx.session();
      const cc = flatten(await s.arm({ method: "GET", path: ccPath(s, a), apiVersion: CONNECTED_CLUSTER_API }));
      if (isJsonObject(cc) && typeof cc.id === "string") cc.resourceGroup = cc.id.split("/")[4] ?? null;
      return cc;
    },
  },
  {
    name: "connectedk8s proxy",
    summary: "Get access to a connected kubernetes cluster: writes a kubeconfig context and stays in the foreground.",
    args: [
      NAME("The name of the connected cluster."),
      RG_ARG,
      { dest: "file", options: ["--file", "-f"], help: "Kubernetes configuration file to update. Default: ~/.kube/config." },
      { dest: "port", options: ["--port"], help: "Port used for accessing the connected cluster (accepted for compatibility).", default: "47011" },
      SUBSCRIPTION_ARG,
    ],
    async run(ctx, a) {
      const s = ctx.session();
      const res = await s.arm({ method: "POST", path: `${ccPath(s, a)}/listClusterUserCredential`, apiVersion: "2024-01-01", body: { authenticationMethod: "AAD", clientProxy: true } });
      const file = kubeconfigPath(str(a, "file"));
      const name = await mergeKubeconfig(firstKubeconfig(res), file);
      process.stdout.write(`Merged "${name}" as current context in ${file}\nStart sending kubectl requests on '${name}' context using kubeconfig at ${file}\nPress Ctrl+C to close proxy.\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      return undefined;
    },
  },
  ...infraCommands("customlocation", "Microsoft.ExtendedLocation/customLocations", CUSTOM_LOCATION_API, "Custom Location", "Gets details of a Custom Location.", "Lists Custom Locations."),
  ...infraCommands("stack-hci-vm network lnet", "Microsoft.AzureStackHCI/logicalNetworks", LNET_API, "the logical network", "Get the details of a logical network.", "List logical networks."),
];

