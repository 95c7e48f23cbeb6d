-- wrk script: the earnings dashboard over a range starting on a random day of the last year, so the page's kept
-- figures (32 ranges a process) are missed and each request sums the aggregates again; the usual JSON summary.
local wrk_summary = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_summary.lua")
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")

request = function()
  local from = os.date("!%Y-%m-%d", os.time() - math.random(60, 420) * 86400)
  return wrk.format("GET", "/admin/earnings?from=" .. from)
end

done = wrk_summary.done
