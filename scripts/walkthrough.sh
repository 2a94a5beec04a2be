#!/usr/bin/env bash
# The article "Deploy and configure Workload Identity on an AKS enabled by Azure Arc cluster", step by step,
# translated from its PowerShell variables to bash, against a wilab lab. `az` is wilab's az shim; `kubectl` is the real one.
set -euo pipefail

step() { printf '\n\033[1m▶ %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# Shows a manifest, then pipes it to `kubectl apply -f -` (as the article does with its $yaml strings).
kubectl_apply_stdin() { local m; m=$(cat); printf '$ kubectl apply -f - <<YAML\n%s\nYAML\n' "$m"; printf '%s\n' "$m" | kubectl apply -f -; }

AZSubscriptionID=$(az account show --query id -o tsv 2>/dev/null || true)
Location="westeurope"
resource_group_name="myResourceGroup"
aks_cluster_name="myAKSCluster"
SERVICE_ACCOUNT_NAMESPACE="default"
SERVICE_ACCOUNT_NAME="workload-identity-sa"
FedIdCredentialName="myFedIdentity"
MSIName="myIdentity"
KVName="KV-workload-id"
KVSecretName="KV-secret"

step "Set the active subscription"
run az login --output none
AZSubscriptionID=$(az account show --query id -o tsv)
run az account set -s "$AZSubscriptionID"

step "Create a resource group"
run az group create --name "$resource_group_name" --location "$Location"

step "Step 1: Create an AKS Arc cluster with workload identity enabled"
customlocation_ID=$(az customlocation show --name "wilab-customlocation" --resource-group wilab-infra --query "id" -o tsv)
logicnet_Id=$(az stack-hci-vm network lnet show --name "wilab-lnet" --resource-group wilab-infra --query "id" -o tsv)
admin_group=$(az ad signed-in-user show --query id -o tsv)
run az aksarc create -n "$aks_cluster_name" -g "$resource_group_name" --custom-location "$customlocation_ID" --vnet-ids "$logicnet_Id" \
  --aad-admin-group-object-ids "$admin_group" --generate-ssh-keys --enable-oidc-issuer --enable-workload-identity --output none
run az connectedk8s show -n "$aks_cluster_name" -g "$resource_group_name" --query "{agentState: arcAgentProfile.agentState, oidcIssuerProfile: oidcIssuerProfile}"
SERVICE_ACCOUNT_ISSUER=$(az connectedk8s show --n "$aks_cluster_name" --resource-group "$resource_group_name" --query "oidcIssuerProfile.issuerUrl" --output tsv)
echo "SERVICE_ACCOUNT_ISSUER=$SERVICE_ACCOUNT_ISSUER"

step "Step 2: Create a managed identity and a Kubernetes service account bound to it"
run az identity create --name "$MSIName" --resource-group "$resource_group_name" --location "$Location" --subscription "$AZSubscriptionID"
MSIId=$(az identity show --resource-group "$resource_group_name" --name "$MSIName" --query 'clientId' --output tsv)
MSIPrincipalId=$(az identity show --resource-group "$resource_group_name" --name "$MSIName" --query 'principalId' --output tsv)
echo "MSIId=$MSIId MSIPrincipalId=$MSIPrincipalId"
printf '$ az connectedk8s proxy -n %s -g %s &\n' "$aks_cluster_name" "$resource_group_name"
az connectedk8s proxy -n "$aks_cluster_name" -g "$resource_group_name" > "$WALKTHROUGH_DIR/proxy.log" 2>&1 &
proxy_pid=$!
trap 'kill $proxy_pid 2>/dev/null || true' EXIT
# The proxy writes the kubeconfig context in the background: wait until kubectl reaches the cluster (as the README does).
printf '$ until kubectl get namespace default > /dev/null 2>&1; do sleep 0.5; done\n'
until kubectl get namespace default > /dev/null 2>&1; do sleep 0.5; done
cat "$WALKTHROUGH_DIR/proxy.log"
kubectl_apply_stdin <<YAML
apiVersion: v1
kind: ServiceAccount
metadata:
  annotations:
    azure.workload.identity/client-id: $MSIId
  name: $SERVICE_ACCOUNT_NAME
  namespace: $SERVICE_ACCOUNT_NAMESPACE
YAML

step "Step 3: Create a federated credential on the managed identity to trust the OIDC issuer"
run az identity federated-credential create --name "$FedIdCredentialName" --identity-name "$MSIName" --resource-group "$resource_group_name" \
  --issuer "$SERVICE_ACCOUNT_ISSUER" --subject "system:serviceaccount:${SERVICE_ACCOUNT_NAMESPACE}:${SERVICE_ACCOUNT_NAME}"
run az identity federated-credential show --name "$FedIdCredentialName" --resource-group "$resource_group_name" --identity-name "$MSIName"

step "Example: a key vault with purge protection and RBAC authorization"
run az keyvault create --name "$KVName" --resource-group "$resource_group_name" --location "$Location" --enable-purge-protection --enable-rbac-authorization --output none
KVId=$(az keyvault show --resource-group "$resource_group_name" --name "$KVName" --query id --output tsv)
echo "KVId=$KVId"

step "The article assigns Key Vault Secrets Officer 'to yourself' — but its command names the managed identity"
run az role assignment create --assignee-object-id "$MSIPrincipalId" --role "Key Vault Secrets Officer" --scope "$KVId" --assignee-principal-type ServicePrincipal --output none
printf '$ az keyvault secret set --vault-name %s --name %s --value "Hello!"\n' "$KVName" "$KVSecretName"
if az keyvault secret set --vault-name "$KVName" --name "$KVSecretName" --value "Hello!" --output none 2> "$WALKTHROUGH_DIR/slip.err"; then
  echo "expected the article's slip to give 403: it did not" >&2
  exit 1
fi
cat "$WALKTHROUGH_DIR/slip.err"
grep -q "ForbiddenByRbac\|Caller is not authorized" "$WALKTHROUGH_DIR/slip.err"

step "The fix: assign Key Vault Secrets Officer to yourself, then set the secret"
me=$(az ad signed-in-user show --query id -o tsv)
run az role assignment create --assignee-object-id "$me" --role "Key Vault Secrets Officer" --scope "$KVId" --assignee-principal-type User --output none
run az keyvault secret set --vault-name "$KVName" --name "$KVSecretName" --value "Hello!" --query "{name: name, value: value}"

step "Give the managed identity Key Vault Secrets User"
run az role assignment create --assignee-object-id "$MSIPrincipalId" --role "Key Vault Secrets User" --scope "$KVId" --assignee-principal-type ServicePrincipal --output none
KVUrl=$(az keyvault show --resource-group "$resource_group_name" --name "$KVName" --query properties.vaultUri --output tsv)
echo "KVUrl=$KVUrl"

step "Step 4: Deploy the application pod"
kubectl_apply_stdin <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: sample-quick-start
  namespace: $SERVICE_ACCOUNT_NAMESPACE
  labels:
    azure.workload.identity/use: "true"
spec:
  serviceAccountName: $SERVICE_ACCOUNT_NAME
  containers:
    - image: ghcr.io/azure/azure-workload-identity/msal-go
      name: oidc
      env:
      - name: KEYVAULT_URL
        value: $KVUrl
      - name: SECRET_NAME
        value: $KVSecretName
  nodeSelector:
    kubernetes.io/os: linux
YAML
run kubectl wait --for=condition=Ready pod/sample-quick-start --timeout=60s
run kubectl get pod sample-quick-start -o jsonpath='{range .spec.containers[0].env[*]}{.name}={.value}{"\n"}{end}'
# The pod logs once it has read the secret: wait for that line (as the README does).
printf '$ until kubectl logs sample-quick-start 2>/dev/null | grep -q "successfully got secret"; do sleep 0.5; done\n'
until kubectl logs sample-quick-start 2>/dev/null | grep -q "successfully got secret"; do sleep 0.5; done
run kubectl logs sample-quick-start
kubectl logs sample-quick-start | grep -q "successfully got secret, secret=Hello!"
# This lab's own pod process, from the kubelet's record (containerID wilab://<pid>), and its working directory, which
# lies under this walkthrough's directory: other labs' pods on the same machine are never looked at.
pod_pid=$(kubectl get pod sample-quick-start -o jsonpath='{.status.containerStatuses[0].containerID}')
pod_pid=${pod_pid#wilab://}
pod_cwd=$(readlink "/proc/$pod_pid/cwd" || true)
case "$pod_cwd" in
  "$WALKTHROUGH_DIR"/*) echo "the pod runs as pid $pod_pid in $pod_cwd" ;;
  *) echo "pid $pod_pid (cwd '$pod_cwd') is not this walkthrough's pod" >&2; exit 1 ;;
esac

step "Delete the AKS Arc cluster"
run az aksarc delete -n "$aks_cluster_name" -g "$resource_group_name" --yes
# Deleting the cluster stops its pods: the sample's process (this lab's, identified above) goes away.
pod_running() { [ "$(readlink "/proc/$pod_pid/cwd" 2>/dev/null)" = "$pod_cwd" ]; }
for _ in $(seq 1 150); do pod_running || break; sleep 0.1; done
if pod_running; then echo "the pod's process $pod_pid is still running after the cluster was deleted" >&2; exit 1; fi
echo "the cluster's pods have stopped"
printf '\n\033[1m✔ the article ran end to end: the pod read the secret through workload identity\033[0m\n'
