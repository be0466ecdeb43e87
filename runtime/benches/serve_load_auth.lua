-- wrk script: as serve_load.lua (one new stock event from erp per request),
-- with `Authorization: Bearer $CHARTER_TOKEN` when that is set.
local counter = 0
local threads = 0
local token = os.getenv("CHARTER_TOKEN")
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
  local headers = {["Content-Type"] = "application/json"}
  if token and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  return wrk.format("POST", "/v1/messages", headers, body)
end
