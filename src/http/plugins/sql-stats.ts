import type { Plugin } from 'graphql-yoga';
import type { RequestContext as Context } from '../context';

/**
 * Adds `extensions.sql = { statements, ms }` to every executed result: the SQL this request
 * sent through Prisma (counted by its context's database view, db/sql-stats.ts) and its total
 * time.
 */
export function useSqlStats(enabled: boolean): Plugin<Context> {
  if (!enabled) return {};
  return {
    onExecute({ args }) {
      const stats = (args.contextValue as unknown as Context).sqlStats;
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
