-- wrk script: cart-placement recommendation requests with a different two-item cart each time.
local counter = 0
request = function()
  counter = counter + 1
  local a = (counter * 7919) % 100000
  local b = (counter * 104729 + 13) % 100000
  local path = string.format("/api/v1/recommendations?site=pk_bench&placement=cart&n=8&visitor=bench-%05d&cart=p%06d,p%06d",
    counter % 50000, a, b)
  return wrk.format("GET", path)
end

done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, bad, latency:percentile(50), latency:percentile(99)))
end
