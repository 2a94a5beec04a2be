import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { actionOf, buildRoutes, defineOperation, type ArmOperationSpec } from "../../src/arm/operation.js";
import { managedIdentityOperations } from "../../src/arm/managedidentity/index.js";
import { keyVaultOperations } from "../../src/arm/keyvault/index.js";
import { authorizationOperations } from "../../src/arm/authorization/index.js";
import { kubernetesOperations } from "../../src/arm/kubernetes/index.js";
import { resourceGroupOperations, subscriptionOperations } from "../../src/arm/resources/index.js";
import { azureLocalOperations } from "../../src/arm/azurelocal/index.js";

const T = "Microsoft.Example/widgets";
const op = (o: Partial<ArmOperationSpec<null>>): ArmOperationSpec<null> =>
  defineOperation<null>({ method: "GET", path: "a/{b}", type: T, apiVersions: ["2024-01-01"], handler: async () => ({ status: 200 }), ...o });

test("the builder derives the RBAC action from the type and the method", () => {
  assert.equal(actionOf(op({ method: "GET" })), `${T}/read`);
  assert.equal(actionOf(op({ method: "PUT" })), `${T}/write`);
  assert.equal(actionOf(op({ method: "PATCH" })), `${T}/write`);
  assert.equal(actionOf(op({ method: "DELETE" })), `${T}/delete`);
  assert.equal(actionOf(op({ method: "POST", verb: "listKeys" })), `${T}/listKeys/action`);
  assert.equal(actionOf(op({ method: "POST", permission: "read" })), `${T}/read`);
  assert.equal(actionOf(op({ permission: "none" })), null);
  assert.equal(actionOf(op({ actionType: "Microsoft.Example/subscriptions/widgets" })), "Microsoft.Example/subscriptions/widgets/read");
  assert.throws(() => actionOf(op({ method: "POST" })), /needs a verb/);
});

test("the builder makes one route per path, in first-appearance order, and writes for every method but GET", () => {
  const routes = buildRoutes([op({ path: "x/{y}" }), op({ path: "x" }), op({ path: "x/{y}", method: "PUT" }), op({ path: "x/{y}/go", method: "POST", verb: "go", write: false })], null);
  assert.deepEqual(routes.map((r) => r.pattern), ["x/{y}", "x", "x/{y}/go"]);
  assert.deepEqual(Object.keys(routes[0]!.operations), ["GET", "PUT"]);
  assert.equal(routes[0]!.operations.GET!.write, false);
  assert.equal(routes[0]!.operations.PUT!.write, true);
  assert.equal(routes[2]!.operations.POST!.write, false);
  assert.throws(() => buildRoutes([op({}), op({})], null), /two GET operations/);
  assert.throws(() => buildRoutes([op({}), op({ method: "PUT", type: "Other/things" })], null), /disagree/);
});

test("every provider's operations build, and each action is derived from its own type", () => {
  const providers: readonly ArmOperationSpec<never>[][] = [
    [...managedIdentityOperations],
    [...keyVaultOperations],
    [...authorizationOperations],
    [...kubernetesOperations],
    [...resourceGroupOperations],
    [...subscriptionOperations],
    [...azureLocalOperations],
  ];
  for (const ops of providers) {
    assert.ok(buildRoutes(ops, undefined as never).length > 0);
    for (const o of ops) {
      const action = actionOf(o);
      if (action !== null) assert.ok(action.startsWith(`${o.actionType ?? o.type}/`), `${o.method} ${o.path}: ${action}`);
    }
  }
});

test("only the ARM catalog constructs an ArmError", () => {
  const armDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../src/arm");
  const offenders: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".ts") && path.relative(armDir, p) !== "ArmError.ts" && fs.readFileSync(p, "utf8").includes("new ArmError(")) offenders.push(path.relative(armDir, p));
    }
  };
  walk(armDir);
  assert.deepEqual(offenders, []);
});
