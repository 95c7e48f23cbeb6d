-- wrk script for benchmarks/quiz.py: each request is picked at random from a file of prepared requests,
-- one a line, "METHOD<TAB>PATH<TAB>BODY" (the body may be empty), sent with the Origin the bench site
-- allows. Arguments after `--`: the file, then the Origin. Prints a JSON summary with errors by kind.
local wrk_summary = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_summary.lua")
local pool = {}
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  local file, origin = args[1], args[2] or "https://shop.example"
  for line in io.lines(file) do
    local method, path, body = line:match("^([A-Z]+)\t([^\t]+)\t?(.*)$")
    if method then
      local headers = {["Origin"] = origin}
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/json"
      end
      pool[#pool + 1] = wrk.format(method, path, headers, body)
    end
  end
  if #pool == 0 then
    error("no requests in " .. tostring(file))
  end
  math.randomseed(os.time() * 1000 + (thread_number or 0) * 7919)
end

request = function()
  return pool[math.random(#pool)]
end

done = function(summary, latency, requests)  -- errors by kind instead of their sum
  local e = summary.errors
  wrk_summary.write({{"requests", summary.requests}, {"duration_us", summary.duration}, {"status", e.status},
    {"connect", e.connect}, {"read", e.read}, {"write", e.write}, {"timeout", e.timeout},
    {"p50_us", latency:percentile(50)}, {"p99_us", latency:percentile(99)}})
end
