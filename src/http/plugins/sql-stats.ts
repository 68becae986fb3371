import type { Plugin } from 'graphql-yoga';
import type { RequestContext as Context } from '../context';
import { runWithSqlStats, type SqlStats } from '../../db/sql-stats';

/**
 * Adds `extensions.sql = { statements, ms }` to every executed result: the SQL this request
 * sent through Prisma and its total time. Execution runs inside the request's counter, so
 * concurrent requests never mix their counts.
 */
export function useSqlStats(enabled: boolean): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const stats: SqlStats = { statements: 0, ms: 0 };
      (args.contextValue as unknown as Context).sqlStats = stats;
      // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- Envelop types the execute function's result as any
      setExecuteFn((args) => runWithSqlStats(stats, () => executeFn(args)));
      if (!enabled) return;
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result) return;
          setResult({
            ...result,
            extensions: { ...result.extensions, sql: { statements: stats.statements, ms: Math.round(stats.ms * 100) / 100 } },
          });
        },
      };
    },
  };
}
