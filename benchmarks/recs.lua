-- wrk script: cart-placement recommendation requests, one request path per line of the file named by
-- RECS_PATHS (carts drawn from recorded behaviour by recs_latency.py), in order from line RECS_OFFSET, the
-- second thread 30,000 lines further: a run asks for carts in the order shoppers brought them, none replayed.
local wrk_summary = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_summary.lua")
local paths = {}
for line in io.lines(os.getenv("RECS_PATHS")) do
  paths[#paths + 1] = line
end
local threads = 0

setup = function(thread)
  thread:set("offset", tonumber(os.getenv("RECS_OFFSET") or "0") + threads * 30000)
  threads = threads + 1
end

local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[((offset or 0) + counter) % #paths + 1])
end

done = function(summary, latency, requests)  -- the usual fields and the slowest request
  local fields = wrk_summary.fields(summary, latency)
  fields[#fields + 1] = {"max_us", latency.max}
  wrk_summary.write(fields)
end
