-- wrk script: GET the earnings dashboard with the admin's session cookie (BENCH_COOKIE); the usual JSON summary.
local wrk_summary = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_summary.lua")
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")

done = wrk_summary.done
