-- wrk script: GET the bare endpoint; prints the same JSON summary as the other scripts.
local wrk_summary = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_summary.lua")
done = wrk_summary.done
