-- A loader reads a batch of rows by ids sent as one array parameter. A prepared statement is
-- planned for its actual parameters (a custom plan) five times, then PostgreSQL keeps one plan
-- for all (generic) only if that plan does not look dearer. It cannot see an array parameter's
-- length in a generic plan and guesses 10, where a custom plan sees 1 on a job page: the generic
-- plan looked ten times dearer, so the job page was planned anew at every execution, which cost
-- more than running it (0.38 against 0.15 ms of PostgreSQL CPU; docs/BENCHMARKS.md).
-- This function gives both plans the same guess, so the plan is made once per connection. Its
-- body is opaque to the planner on purpose: a plain SQL function could be inlined into unnest().
-- Reading rows by id, nested index lookups are the right plan for any batch size.
CREATE FUNCTION chommie_ids(ids int[]) RETURNS SETOF int
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE ROWS 1
  AS $$ BEGIN RETURN QUERY SELECT unnest(ids); END $$;
