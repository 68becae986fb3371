import { useSyncExternalStore } from 'react';
import { requestLog, type RequestEntry } from './gateway';

const cacheOf = (e: RequestEntry) => (e.hit === true ? 'hit' : e.hit === false ? 'miss' : 'none');

/** One request's figures in a few characters: "hit · 0 SQL", "miss · 3 SQL 4.1 ms". */
export function Figures({ entry }: { entry: RequestEntry | undefined }) {
  if (!entry) return null;
  const cache = cacheOf(entry);
  return (
    <span className={`figures ${cache}`} title={`request ${entry.requestId ?? '?'}: ${entry.ms} ms round trip`}>
      {cache === 'none' ? entry.codes.join(', ') || 'not cached' : cache}
      {entry.coalesced ? ' (shared)' : ''}
      {entry.sql ? ` · ${entry.sql.statements} SQL${entry.sql.statements ? ` ${entry.sql.ms} ms` : ''}` : ''}
    </span>
  );
}

/** The newest request of an operation, for a panel's own discreet figures. */
export function useLastRequest(operation: string): RequestEntry | undefined {
  const entries = useSyncExternalStore(requestLog.subscribe, requestLog.snapshot);
  return entries.find((e) => e.operation === operation);
}

/** The strip at the bottom: each request's operation, cache hit and SQL count from `extensions`. */
export function RequestLog() {
  const entries = useSyncExternalStore(requestLog.subscribe, requestLog.snapshot);
  return (
    <footer className="request-log" data-testid="request-log" aria-label="Requests to the gateway">
      {entries.slice(0, 12).map((e) => (
        <span
          key={e.seq}
          className="request"
          data-testid="request"
          data-seq={e.seq}
          data-operation={e.operation}
          data-cache={cacheOf(e)}
          data-sql={e.sql?.statements ?? ''}
          data-status={e.status}
        >
          {e.operation} <Figures entry={e} />
        </span>
      ))}
    </footer>
  );
}
