-- wrk script for benchmarks/promotions_http.py: each request is a GET of a path picked at random from a file of
-- prepared paths, one a line (the file named by BENCH_PROMO_REQUESTS). Prints the usual JSON summary.
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

done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, bad, latency:percentile(50), latency:percentile(99)))
end
