// The request limits' pure parts (issue 12, item 5): how deeply a JSON text nests and where it first passes a limit
// (Json.NET's path and position), and which service a request refused by the HTTP parser was for.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dotnetDepthMessage, exceedsDepth, DOTNET_MAX_DEPTH } from "../../src/platform/jsonDepth.js";
import { faceOfRawRequest, headTooLargeResponse } from "../../src/platform/clientErrors.js";

const nest = (n: string, depth: number) => "[".repeat(depth) + n + "]".repeat(depth);

const DEPTH_ROWS: [name: string, text: string, max: number, want: { path: string; line: number; position: number } | undefined][] = [
  ["a scalar", "1", 1, undefined],
  ["flat object at the limit", '{"a":1}', 1, undefined],
  ["one level too deep", '{"a":{}}', 1, { path: "a", line: 1, position: 6 }],
  ["64 arrays are read", nest("1", 64), 64, undefined],
  ["the 65th array is not", nest("1", 65), 64, { path: "[0]".repeat(64), line: 1, position: 65 }],
  ["brackets inside strings do not count", '{"a":"[[[[[[","b":"{{{{"}', 1, undefined],
  ["escaped quotes in strings", '{"a":"x\\"[[[","b":1}', 1, undefined],
  ["array index in the path", '{"a":[1,2,{"b":[]}]}', 3, { path: "a[2].b", line: 1, position: 16 }],
  ["odd keys in brackets", '{"x y":{"z":[]}}', 2, { path: "['x y'].z", line: 1, position: 13 }],
  ["lines count", '{\n  "a": {\n    "b": []\n  }\n}', 2, { path: "a.b", line: 3, position: 10 }],
  ["siblings after a value at the limit", '{"a":[1],"b":{"c":{}}}', 2, { path: "b.c", line: 1, position: 19 }],
];

for (const [name, text, max, want] of DEPTH_ROWS) {
  test(`exceedsDepth: ${name}`, () => {
    assert.deepEqual(exceedsDepth(text, max), want);
  });
}

test("exceedsDepth measures any depth without recursion (a million levels)", () => {
  const e = exceedsDepth(nest("", 1_000_000), DOTNET_MAX_DEPTH);
  assert.equal(e?.position, 65);
});

test("Json.NET's message", () => {
  assert.equal(dotnetDepthMessage({ path: "properties.x[0]", line: 1, position: 57 }), "The reader's MaxDepth of 64 has been exceeded. Path 'properties.x[0]', line 1, position 57.");
});

const FACE_ROWS: [line: string | undefined, face: ReturnType<typeof faceOfRawRequest>][] = [
  ["GET /k8s/0b2c/api/v1/namespaces HTTP/1.1\r\nHost: localhost\r\n", "kube"],
  ["POST /v1.0/servicePrincipals HTTP/1.1\r\n", "graph"],
  ["GET /beta/me HTTP/1.1\r\n", "graph"],
  ["PUT /subscriptions/s/resourceGroups/rg?api-version=2021-04-01 HTTP/1.1\r\n", "azure"],
  ["GET /secrets/s?api-version=7.4 HTTP/1.1\r\n", "azure"],
  ["aaaaaaaaaaaaaaaaaaaaaa", "azure"],
  [undefined, "azure"],
];

for (const [line, face] of FACE_ROWS) {
  test(`faceOfRawRequest: ${JSON.stringify(line?.slice(0, 30))} → ${face}`, () => {
    assert.equal(faceOfRawRequest(line === undefined ? undefined : Buffer.from(line, "latin1")), face);
  });
}

test("the head-too-large answers: Go's text, HTTP.sys's page, a bare 431", () => {
  assert.match(headTooLargeResponse("kube"), /^HTTP\/1\.1 431 Request Header Fields Too Large\r\nContent-Type: text\/plain; charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large$/);
  const graph = headTooLargeResponse("graph");
  assert.match(graph, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(graph, /<h2>Bad Request - Request Too Long<\/h2>\r\n<hr><p>HTTP Error 400\. The size of the request headers is too long\.<\/p>/);
  const len = Number(/Content-Length: (\d+)/.exec(graph)![1]);
  assert.equal(Buffer.byteLength(graph.slice(graph.indexOf("\r\n\r\n") + 4)), len);
  assert.match(headTooLargeResponse("azure"), /^HTTP\/1\.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n/);
});
