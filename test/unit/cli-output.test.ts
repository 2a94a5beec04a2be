import { test } from "node:test";
import assert from "node:assert/strict";
import { formatJson, formatTable, formatTsv, sortKeysDeep } from "../../src/cli/core/output.js";
import { parseArgs, parseResourceId } from "../../src/cli/core/parser.js";
import { formatServiceError } from "../../src/cli/core/errors.js";
import { addResourceGroup } from "../../src/cli/main.js";
import type { CommandDef } from "../../src/cli/core/command.js";
import type { Json } from "../../src/cli/core/types.js";

// knack's _TsvOutput, case by case.
const tsvCases: { name: string; input: Json; want: string }[] = [
  { name: "string scalar is raw", input: "d73a1c0e-382c-499d-84ec-4f2108dc8f66", want: "d73a1c0e-382c-499d-84ec-4f2108dc8f66\n" },
  { name: "string with spaces and quotes is not quoted", input: 'Hello "world"', want: 'Hello "world"\n' },
  { name: "top-level true is lowercased", input: true, want: "true\n" },
  { name: "top-level false is lowercased", input: false, want: "false\n" },
  { name: "integer", input: 90, want: "90\n" },
  { name: "float", input: 1.5, want: "1.5\n" },
  { name: "list of scalars: one per line", input: ["a", "b", "c"], want: "a\nb\nc\n" },
  { name: "empty list prints nothing", input: [], want: "" },
  { name: "dict: values tab-separated in key order", input: { a: "1", b: "2" }, want: "1\t2\n" },
  { name: "dict: nested bool is True/False", input: { a: true, b: false }, want: "True\tFalse\n" },
  { name: "dict: nested null is None", input: { a: null, b: "x" }, want: "None\tx\n" },
  { name: "dict: nested list is its length, nested dict empty", input: { a: [1, 2, 3], b: { c: 1 }, d: "x" }, want: "3\t\tx\n" },
  { name: "list of dicts: one row each", input: [{ n: "a", v: 1 }, { n: "b", v: 2 }], want: "a\t1\nb\t2\n" },
  { name: "list of lists: tab-joined rows", input: [["a", 1], ["b", true]], want: "a\t1\nb\tTrue\n" },
  { name: "list with a null row", input: [null, "x"], want: "None\nx\n" },
];

for (const c of tsvCases) {
  test(`tsv: ${c.name}`, () => assert.equal(formatTsv(c.input), c.want));
}

test("tsv: a dict straight from a service is printed in sorted key order (as knack sorts plain dicts)", () => {
  assert.equal(formatTsv(sortKeysDeep({ name: "n", id: "i", location: "l" })), "i\tl\tn\n");
});

const tableCases: { name: string; input: Json; sortKeys?: boolean; want: string }[] = [
  {
    name: "list of dicts: sorted columns, id/type skipped, nested skipped",
    input: [
      { name: "rg1", location: "westeurope", id: "/x", type: "t", properties: { a: 1 }, tags: null },
      { name: "group-two", location: "eastus", id: "/y", type: "t", properties: { a: 1 }, tags: null },
    ],
    want: "Location    Name\n----------  ---------\nwesteurope  rg1\neastus      group-two\n",
  },
  {
    name: "numbers right-aligned, booleans as True/False",
    input: [{ n: "a", days: 7, on: true }, { n: "bb", days: 90, on: false }],
    want: "  Days  N    On\n------  ---  -----\n     7  a    True\n    90  bb   False\n",
  },
  { name: "scalar result", input: "x", want: "Result\n--------\nx\n" },
  { name: "query order kept when not sorting", input: { b: "2", a: "1" }, sortKeys: false, want: "B    A\n---  ---\n2    1\n" },
];

for (const c of tableCases) {
  test(`table: ${c.name}`, () => assert.equal(formatTable(c.input, { sortKeys: c.sortKeys ?? true }), c.want));
}

test("json: sorted keys, two-space indent, trailing newline", () => {
  assert.equal(formatJson({ b: 1, a: { d: null, c: [true] } }), '{\n  "a": {\n    "c": [\n      true\n    ],\n    "d": null\n  },\n  "b": 1\n}\n');
});

test("service error text is azure-core's: (Code) Message, Code:, Message:, Inner error:", () => {
  assert.equal(
    formatServiceError("Forbidden", "Caller is not authorized.", { code: "ForbiddenByRbac" }),
    '(Forbidden) Caller is not authorized.\nCode: Forbidden\nMessage: Caller is not authorized.\nInner error: {\n    "code": "ForbiddenByRbac"\n}',
  );
  assert.equal(formatServiceError("ResourceGroupNotFound", "Resource group 'x' could not be found."), "(ResourceGroupNotFound) Resource group 'x' could not be found.\nCode: ResourceGroupNotFound\nMessage: Resource group 'x' could not be found.");
});

test("resourceGroup is added to dicts whose id names a resource in a group (not to the group itself)", () => {
  const v: Json = [
    { id: "/subscriptions/s/resourcegroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1" },
    { id: "/subscriptions/s/resourceGroups/rg1" },
    { id: "https://kv.vault.azure.net/secrets/a/b" },
  ];
  addResourceGroup(v);
  assert.deepEqual(v, [
    { id: "/subscriptions/s/resourcegroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1", resourceGroup: "rg1" },
    { id: "/subscriptions/s/resourceGroups/rg1" },
    { id: "https://kv.vault.azure.net/secrets/a/b" },
  ]);
});

const cmd: CommandDef = {
  name: "thing create",
  summary: "",
  ids: true,
  args: [
    { dest: "name", options: ["--name", "-n"], required: true, help: "", idPart: "name" },
    { dest: "resource_group", options: ["--resource-group", "-g"], required: true, help: "", idPart: "resource_group" },
    { dest: "flag", options: ["--enable-x"], kind: "bool", help: "" },
    { dest: "items", options: ["--items"], kind: "list", help: "" },
  ],
  run: async () => undefined,
};

const parseCases: { name: string; argv: string[]; want?: Record<string, unknown>; error?: string }[] = [
  { name: "long and short options", argv: ["-n", "a", "--resource-group", "rg"], want: { name: "a", resource_group: "rg", _output: "json" } },
  { name: "--opt=value and -nVALUE", argv: ["--name=a", "-grg"], want: { name: "a", resource_group: "rg" } },
  { name: "three-state flag without a value", argv: ["-n", "a", "-g", "b", "--enable-x"], want: { flag: true } },
  { name: "three-state flag with false", argv: ["-n", "a", "-g", "b", "--enable-x", "false"], want: { flag: false } },
  { name: "list until the next option", argv: ["--items", "x", "y", "-n", "a", "-g", "b"], want: { items: ["x", "y"] } },
  { name: "output is lower-cased", argv: ["-n", "a", "-g", "b", "-o", "TSV"], want: { _output: "tsv" } },
  { name: "missing required, in declaration order", argv: [], error: "the following arguments are required: --name/-n, --resource-group/-g" },
  { name: "--ids fills the id parts", argv: ["--ids", "/subscriptions/s/resourceGroups/rg/providers/P/t/n"], want: { _ids: ["/subscriptions/s/resourceGroups/rg/providers/P/t/n"] } },
  { name: "unrecognized", argv: ["-n", "a", "-g", "b", "--nope", "v"], error: "unrecognized arguments: --nope v" },
  { name: "missing value", argv: ["-n"], error: "argument --name/-n: expected one argument" },
  { name: "bad output", argv: ["-n", "a", "-g", "b", "-o", "xml"], error: "argument --output/-o: invalid choice: 'xml' (choose from 'json', 'jsonc', 'tsv', 'table', 'yaml', 'yamlc', 'none')" },
  { name: "bad three-state value", argv: ["-n", "a", "-g", "b", "--enable-x", "maybe"], error: "argument --enable-x: invalid choice: 'maybe' (choose from 'false', 'true')" },
];

for (const c of parseCases) {
  test(`args: ${c.name}`, () => {
    if (c.error) {
      assert.throws(() => parseArgs(cmd, c.argv), (e: Error & { exitCode?: number }) => {
        assert.equal(e.message, c.error);
        assert.equal(e.exitCode, 2);
        return true;
      });
      return;
    }
    const { args } = parseArgs(cmd, c.argv);
    for (const [k, v] of Object.entries(c.want!)) assert.deepEqual(args[k], v, k);
  });
}

test("resource ids: parent and child names", () => {
  assert.deepEqual(parseResourceId("/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1/federatedIdentityCredentials/f1"), {
    subscription: "s",
    resource_group: "rg",
    name: "id1",
    child_name_1: "f1",
  });
});
