-- wrk script for the soak: four reads to one write, every status counted.
-- Each wrk thread runs its own copy; done() adds up the threads' counters.
local paths = {"/api/products/1", "/api/products?limit=20", "/api/products/mobile",
               "/api/products?brand=Apple"}
local threads = {}
local id = 0

function setup(thread)
    id = id + 1
    thread:set("tid", id)
    table.insert(threads, thread)
end

function init(args)
    sent = 0
    created = 0
    ok = 0
    unexpected = 0
end

function request()
    sent = sent + 1
    if sent % 5 == 0 then
        local body = string.format('{"product_name": "wrk %d-%d", "brand": "Wrk"}', tid, sent)
        return wrk.format("POST", "/api/products", {["Content-Type"] = "application/json"}, body)
    end
    return wrk.format("GET", paths[sent % 5])
end

function response(status, headers, body)
    if status == 201 then
        created = created + 1
    elseif status == 200 then
        ok = ok + 1
    else
        unexpected = unexpected + 1
    end
end

function done(summary, latency, requests)
    local created_all, ok_all, unexpected_all = 0, 0, 0
    for _, thread in ipairs(threads) do
        created_all = created_all + thread:get("created")
        ok_all = ok_all + thread:get("ok")
        unexpected_all = unexpected_all + thread:get("unexpected")
    end
    io.write(string.format(
        'SOAK {"requests": %d, "created": %d, "ok": %d, "unexpected": %d, ' ..
        '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d, ' ..
        '"p99_ms": %.2f}\n',
        summary.requests, created_all, ok_all, unexpected_all, summary.errors.connect,
        summary.errors.read, summary.errors.write, summary.errors.timeout,
        summary.errors.status, latency:percentile(99) / 1000))
end
