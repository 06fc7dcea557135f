-- wrk script for the benchmarks: counts responses by status class in every thread and
-- prints one machine-readable line at the end ("BENCH_JSON {...}").
-- Extra arguments after `--` are paths to rotate through (a mix of pages); without them
-- every request goes to the URL wrk was given.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for _, path in ipairs(args) do
    table.insert(paths, path)
  end
  position = 0
  s2, s3, s4, s5, other = 0, 0, 0, 0, 0
end

function request()
  if #paths == 0 then
    return wrk.request()
  end
  position = position % #paths + 1
  return wrk.format(nil, paths[position])
end

function response(status, headers, body)
  if status >= 200 and status < 300 then s2 = s2 + 1
  elseif status >= 300 and status < 400 then s3 = s3 + 1
  elseif status >= 400 and status < 500 then s4 = s4 + 1
  elseif status >= 500 and status < 600 then s5 = s5 + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local c2, c3, c4, c5, co = 0, 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    c2 = c2 + thread:get("s2")
    c3 = c3 + thread:get("s3")
    c4 = c4 + thread:get("s4")
    c5 = c5 + thread:get("s5")
    co = co + thread:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"status": {"2xx": %d, "3xx": %d, "4xx": %d, "5xx": %d, "other": %d}, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes, c2, c3, c4, c5, co,
    e.connect, e.read, e.write, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max))
end
