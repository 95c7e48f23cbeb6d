-- wrk script: the earnings dashboard over a range starting on a random day of the last year, so the page's kept
-- figures (32 ranges a process) are missed and each request sums the aggregates again; the usual JSON summary.
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")

request = function()
  local from = os.date("!%Y-%m-%d", os.time() - math.random(60, 420) * 86400)
  return wrk.format("GET", "/admin/earnings?from=" .. from)
end

done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, bad, latency:percentile(50), latency:percentile(99)))
end
