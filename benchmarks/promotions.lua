-- wrk script for benchmarks/promotions_http.py: each request is a GET of a path picked at random from a file of
-- prepared paths, one a line (the file named by BENCH_PROMO_REQUESTS). Prints the usual JSON summary.
local wrk_summary = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_summary.lua")
local pool = {}
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  local file = os.getenv("BENCH_PROMO_REQUESTS")
  for line in io.lines(file) do
    if line ~= "" then
      pool[#pool + 1] = wrk.format("GET", line)
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

done = wrk_summary.done
