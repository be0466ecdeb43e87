-- wrk script: POST one new stock event per request (unique ids, so every
-- request is decided and logged, none is a duplicate).
local counter = 0
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function request()
  counter = counter + 1
  local k = counter % 5000
  local body = string.format(
    '{"id":"w-%d-%d","at":"2026-03-01T10:00:00Z","source":"erp","kind":"event","entity":"stock","key":"SKU-%d","op":"upsert","data":{"sku":"SKU-%d","quantity":%d}}',
    tid, counter, k, k, counter % 90)
  return wrk.format("POST", "/v1/messages", {["Content-Type"] = "application/json"}, body)
end
