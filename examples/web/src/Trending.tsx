import { useEffect, useState } from 'react';
import { TrendingDocument, type TrendingQuery } from '../../../client/generated/graphql';
import { explain, request } from './gateway';
import { Figures, useLastRequest } from './RequestLog';

/** The jobs with most applications this week (precomputed by the gateway, cached an hour). */
export function Trending({ onOpen }: { onOpen: (id: string) => void }) {
  const [jobs, setJobs] = useState<TrendingQuery['trendingJobs'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const controller = new AbortController();
    request(TrendingDocument, { days: 7, first: 10 }, { signal: controller.signal }).then(
      (data) => setJobs(data.trendingJobs),
      (err: unknown) => controller.signal.aborted || setError(err),
    );
    return () => controller.abort();
  }, []);
  const last = useLastRequest('Trending');
  return (
    <section className="trending" data-testid="trending">
      <h2>
        Trending this week <Figures entry={last} />
      </h2>
      {error != null && <p className="error">{explain(error)}</p>}
      <ol>
        {jobs?.map((j) => (
          <li key={j.id}>
            <button type="button" onClick={() => onOpen(j.id)}>
              {j.title} <small>{j.company.name}</small>
            </button>{' '}
            <small>{j.applicationCount} applications</small>
          </li>
        ))}
      </ol>
    </section>
  );
}
