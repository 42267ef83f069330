-- wrk script of the stocktake benchmarks: rotating paths or JSON bodies, a bearer token or the session cookie.
--
--   wrk -s tests/bench/request.lua URL -- METHOD AUTH TOKEN [FILE]
--
-- METHOD  GET or POST
-- AUTH    bearer (Authorization header), cookie (stocktake_token, as the HTML pages use) or none
-- FILE    optional: one path per line (GET) or one JSON body per line (POST); the requests
--         go round them, each wrk thread starting at its own place. Without it every
--         request is the URL's path.
-- No response() function: wrk then skips parsing bodies, which would cost it CPU we share.

local next_id = 0

function setup(thread)
	thread:set("tid", next_id)
	next_id = next_id + 1
end

local method, headers, lines, pos

function init(args)
	method = args[1] or "GET"
	local auth, token, file = args[2] or "none", args[3] or "", args[4]
	headers = {}
	if auth == "bearer" then
		headers["Authorization"] = "Bearer " .. token
	elseif auth == "cookie" then
		headers["Cookie"] = "stocktake_token=" .. token
	end
	if method == "POST" then
		headers["Content-Type"] = "application/json"
	end
	lines = {}
	if file and file ~= "" then
		for line in io.lines(file) do
			if line ~= "" then
				lines[#lines + 1] = line
			end
		end
	end
	-- Threads start far apart, so two of them rarely send the same stock at once.
	pos = math.floor((tid or 0) * #lines / 2)
end

function request()
	if #lines == 0 then
		return wrk.format(method, nil, headers, nil)
	end
	pos = pos + 1
	local line = lines[(pos % #lines) + 1]
	if method == "POST" then
		return wrk.format("POST", nil, headers, line)
	end
	return wrk.format(method, line, headers, nil)
end
