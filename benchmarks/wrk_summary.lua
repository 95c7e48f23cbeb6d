-- The WRK_JSON summary line every benchmark's wrk script prints when the run is done, in one place; the Python side
-- (benchmarks/common.py's wrk, quiz_wrk.py, recs_latency.py) reads the line that starts with "WRK_JSON ".
-- A script loads it relative to its own path (wrk -s may be given any working directory):
--   local wrk_summary = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_summary.lua")
--   done = wrk_summary.done
local wrk_summary = {}

-- The usual fields, in order: requests, duration_us, errors (of every kind, summed), p50_us, p99_us.
function wrk_summary.fields(summary, latency)
  local e = summary.errors
  return {{"requests", summary.requests}, {"duration_us", summary.duration},
          {"errors", e.status + e.connect + e.read + e.write + e.timeout},
          {"p50_us", latency:percentile(50)}, {"p99_us", latency:percentile(99)}}
end

-- Write `fields` ({name, whole number} pairs, in order) as the summary line.
function wrk_summary.write(fields)
  local parts = {}
  for i, field in ipairs(fields) do
    parts[i] = string.format('"%s":%d', field[1], field[2])
  end
  io.write("WRK_JSON {" .. table.concat(parts, ",") .. "}\n")
end

-- wrk's done(): the usual fields.
function wrk_summary.done(summary, latency, requests)
  wrk_summary.write(wrk_summary.fields(summary, latency))
end

return wrk_summary
