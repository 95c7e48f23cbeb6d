-- wrk script: GET the earnings dashboard with the admin's session cookie (BENCH_COOKIE); the usual JSON summary.
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")

done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, bad, latency:percentile(50), latency:percentile(99)))
end
