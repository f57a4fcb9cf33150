-- N viewers of one embed: each polls the versions document every 5 s and, when the reports version moves,
-- fetches that version's file (brotli). wrk keeps one Lua state per thread: a thread's viewers share the
-- version they know, so a move makes the thread fetch the file once per viewer (connection) it runs.
-- With "spread" (the default), requests come at random moments, 5 s apart on average, as readers who opened
-- the page at different times do, and each viewer fetches the new file at its next request after the move;
-- with "burst", every viewer polls at the same instant and all fetch the file at once (the worst case).
local known = nil
local pending = 0
local file_url = nil
local per_thread = 1
local spread = true

function init(args)
  per_thread = tonumber(args[1]) or 1
  spread = args[2] ~= "burst"
end

function delay()
  if spread then return math.random(0, 10000) end
  if pending > 0 then return 0 end
  return 5000
end

function request()
  if pending > 0 then
    pending = pending - 1
    return wrk.format("GET", file_url, {["Accept-Encoding"] = "br, gzip"})
  end
  return wrk.format("GET", "/api/v1/public/versions?lang=fr", {["Accept-Encoding"] = "identity"})
end

function response(status, headers, body)
  if status ~= 200 or body == nil then return end
  local version, url = string.match(body, '"reports":{"version":(%d+),"url":"([^"]+)"')
  if version and version ~= known then
    if known ~= nil then pending = per_thread end
    known = version
    file_url = url
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests=%d bytes=%d seconds=%.2f p50_ms=%.1f p99_ms=%.1f errors=%d non2xx=%d " ..
    "connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.bytes, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout, e.status,
    e.connect, e.read, e.write, e.timeout))
end
