-- wrk script for the wilab benchmarks (bench/run.mjs).
--   WRK_METHOD      GET (default) or POST
--   WRK_HEADERS     header lines "Name: value", separated by "\n"
--   WRK_BODY_FILE   one body for every request
--   WRK_LINES_FILE  one body per line, each sent once in turn (oidc-provider refuses a replayed assertion jti)
-- done() prints one line "WRKJSON {...}" with the counts and the latency percentiles (microseconds).
local method = os.getenv("WRK_METHOD") or "GET"
local headers = {}
for line in string.gmatch(os.getenv("WRK_HEADERS") or "", "[^\n]+") do
  local k, v = string.match(line, "^([^:]+):%s*(.*)$")
  if k then headers[k] = v end
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local fixed
local lines = {}
local nextLine = 1
local bodyFile = os.getenv("WRK_BODY_FILE")
local linesFile = os.getenv("WRK_LINES_FILE")
if linesFile then
  for l in io.lines(linesFile) do
    if #l > 0 then lines[#lines + 1] = l end
  end
else
  local body = bodyFile and slurp(bodyFile) or nil
  fixed = wrk.format(method, nil, headers, body)
end

request = function()
  if fixed then return fixed end
  local body = lines[nextLine]
  nextLine = nextLine + 1
  if nextLine > #lines then nextLine = 1 end
  return wrk.format(method, nil, headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"durationUs":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
