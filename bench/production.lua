-- wrk script of bench/production.py: rotate over the paths of a file (one a line), send a signed-in
-- session cookie, count every answer that is not 2xx (wrk itself counts only >= 400: a redirect to
-- the sign-in page must count too), and print the figures as one JSON line when done.
--
--   wrk -t2 -c32 -d20s --timeout 10s -s bench/production.lua http://127.0.0.1:8000 -- PATHS COOKIE AGENT
--
-- The user agent must be the one the session signed in with (Flask-Login's strong session
-- protection drops a session whose agent changes).

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  if args[2] and args[2] ~= "" then
    wrk.headers["Cookie"] = args[2]
  end
  wrk.headers["User-Agent"] = args[3] or "loopwise-bench"
  -- Threads start at different places in the list, so that they do not ask for the same id.
  position = math.floor(thread_number * #paths / 7) % #paths
  non_2xx = 0
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  end
end

function done(summary, latency, requests)
  local non_2xx_total = 0
  for _, thread in ipairs(threads) do
    non_2xx_total = non_2xx_total + (thread:get("non_2xx") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "mean_us": %.1f, "non_2xx": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, non_2xx_total, errors.connect, errors.read,
    errors.write, errors.timeout
  ))
end
