-- wrk script: POST batches of 20 events with unique client event ids; prints a JSON summary.
local wrk_summary = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_summary.lua")
local counter, thread_id = 0, 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tid
end

request = function()
  counter = counter + 1
  local visitor = string.format("bench-%d-%04d", thread_id, counter % 2000)
  local now = os.time() * 1000
  local events = {}
  for i = 1, 20 do
    local kind, extra = "page_view", ""
    if i % 4 == 2 then kind, extra = "product_view", string.format(',"sku":"sku-%d"', (counter * 7 + i) % 5000) end
    if i % 10 == 5 then kind, extra = "search", ',"query":"trail shoes"' end
    events[i] = string.format('{"id":"evt-%d-%07d-%02d","type":"%s","ts":%d,"page":"/demo/p/%d"%s}',
      thread_id, counter, i, kind, now, i, extra)
  end
  local body = '{"visitor":"' .. visitor .. '","events":[' .. table.concat(events, ",") .. "]}"
  return wrk.format("POST", nil, {["Content-Type"] = "text/plain",
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"}, body)
end

done = wrk_summary.done
