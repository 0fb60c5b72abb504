-- A spend reservation is settled through the PDP only by the token that made it (issue 10,
-- item 5). NULL: made by Charter itself (the sandbox gateway, the demo seed) or before this
-- column existed; such rows are settled by Charter alone.
ALTER TABLE spend_ledger ADD COLUMN token_id TEXT;
