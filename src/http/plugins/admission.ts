import { trace } from '@opentelemetry/api';
import { tracer } from '../../tracing';
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { sqlSettled, type SqlStats } from '../../db/sql-stats';
import { AT_CAPACITY, CANCELLED_SQL_MAX_MS, type Admission, type ShedReason } from '../../ops/admission';

const refusal = (reason: ShedReason) =>
  reason === 'overload'
    ? new GraphQLError(AT_CAPACITY, {
        extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'Retry-After': '1' } } },
      })
    : // Nobody reads this: it is for the request log (nginx's "client closed request").
      new GraphQLError('The client closed the request before it ran.', { extensions: { code: 'CLIENT_CLOSED_REQUEST', http: { status: 499 } } });

/**
 * Takes an admission slot before each execution and gives it back when the execution ends
 * (whatever ends it). Registered before the rate limiter's cost charge: a shed request is not
 * charged for work it never got. Cache hits and refused requests never execute, so never wait.
 */
export function useAdmission(admission: Admission): Plugin {
  return {
    async onExecute({ args, executeFn, setExecuteFn, setResultAndStopExecution }) {
      const { request, req } = args.contextValue as { request: Request; req?: IncomingMessage };
      const asked = tracer() && performance.now();
      const slot = await admission.acquire(() => request.signal?.aborted === true || req?.socket?.destroyed === true, request.signal);
      // A trace shows how long its operation queued for a slot before it executed.
      if (asked) trace.getActiveSpan()?.setAttribute('chommie.admission.wait_ms', Math.round((performance.now() - asked) * 100) / 100);
      if (typeof slot === 'string') return void setResultAndStopExecution({ errors: [refusal(slot)] });
      setExecuteFn(async (a) => {
        try {
          // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- Envelop types the execute function's result as any
          return await executeFn(a);
        } finally {
          // Cancelled (its client left), it returns at once, but the SQL it sent still holds or
          // waits for pool connections: the slot is the bound on that work, so it is kept until
          // the statements are answered (or the pool's own timeout has long passed).
          const stats = (a.contextValue as { sqlStats?: SqlStats }).sqlStats;
          if (stats && request.signal?.aborted) void sqlSettled(stats, CANCELLED_SQL_MAX_MS).then(slot);
          else slot();
        }
      });
      // A later hook may end the request without executing (the rate limit's 429).
      return { onExecuteDone: () => slot() };
    },
  };
}
