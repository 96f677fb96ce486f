-- wrk script of `just bench-servers`: sends DEPTH requests at once on each connection (the
-- first script argument, default 16) and waits for all DEPTH responses before the next batch.
-- wrk counts each response as one request; its latency is that of the batch.
init = function(args)
   local depth = tonumber(args[1]) or 16
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format()
   end
   req = table.concat(r)
end

request = function()
   return req
end
