import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { JobFilter } from '../../../client/generated/graphql';
import { Facets } from './Facets';
import { GATEWAY_URL } from './gateway';
import { JobList } from './JobList';
import { RequestLog } from './RequestLog';
import { SearchBox } from './SearchBox';
import { SignIn, type Session } from './SignIn';
import { Trending } from './Trending';
import { useSearch } from './useSearch';

// What the first screen does not show is loaded when first shown (chunks of their own in the
// build): the job page, the live panel of a signed-in seeker or employer, and the analysts'
// page with its chart library.
const JobPage = lazy(() => import('./JobPage').then((m) => ({ default: m.JobPage })));
const Live = lazy(() => import('./Live').then((m) => ({ default: m.Live })));
const Analysts = lazy(() => import('./Analysts').then((m) => ({ default: m.Analysts })));

const SESSION_KEY = 'chommie.session';

/** The open job is in the address (#/jobs/12): the back button closes it, a link opens it. */
const jobInHash = () => /^#\/jobs\/(\d+)$/.exec(window.location.hash)?.[1] ?? null;
/** The analysts' page is #/analysts. */
const analystsInHash = () => window.location.hash === '#/analysts';

function savedSession(): Session | null {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
  } catch {
    return null;
  }
}

export function App() {
  const [filter, setFilter] = useState<JobFilter>({});
  const [jobId, setJobId] = useState<string | null>(jobInHash);
  const [analysts, setAnalysts] = useState(analystsInHash);
  const [session, setSession] = useState<Session | null>(savedSession);
  const search = useSearch(filter);
  // A chip's ×, a did-you-mean or a left-out word: another search with the same other filters.
  const searchFor = useCallback((words: string) => setFilter((f) => ({ ...f, search: words || undefined })), []);

  useEffect(() => {
    const onHash = () => {
      setJobId(jobInHash());
      setAnalysts(analystsInHash());
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const open = useCallback((id: string) => {
    window.location.hash = `#/jobs/${id}`;
  }, []);
  const close = useCallback(() => {
    window.location.hash = '';
  }, []);
  const changeSession = useCallback((s: Session | null) => {
    setSession(s);
    if (s) sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
    else sessionStorage.removeItem(SESSION_KEY);
  }, []);

  return (
    <div className="app">
      <header>
        <h1>Chommie</h1>
        <SearchBox
          initial={filter.search ?? ''}
          onSearch={(words, location) =>
            setFilter((f) => (location !== undefined ? { ...f, search: undefined, location } : { ...f, search: words || undefined }))
          }
        />
        <a className="nav" href={analysts ? '#' : '#/analysts'} data-testid="nav-analysts">
          {analysts ? 'Jobs' : 'Analysts'}
        </a>
        <SignIn session={session} onChange={changeSession} />
      </header>
      {analysts ? (
        <Suspense fallback={<p className="loading">Loading the charts…</p>}>
          <Analysts token={session?.token ?? null} role={session?.role ?? null} />
        </Suspense>
      ) : (
        <main>
          <Facets facets={search.facets} filter={filter} onChange={setFilter} />
          <JobList search={search} selected={jobId} onOpen={open} onSearch={searchFor} />
          <div className="side">
            <Suspense fallback={<p className="loading">Loading…</p>}>
              {jobId ? (
                <JobPage
                  key={jobId}
                  id={jobId}
                  token={session?.token ?? null}
                  role={session?.role ?? null}
                  onOpen={open}
                  onClose={close}
                  onTokenRefused={() => changeSession(null)}
                />
              ) : (
                <Trending onOpen={open} />
              )}
            </Suspense>
            {/* Its own boundary: the job page stays on screen while the live panel loads. */}
            <Suspense fallback={null}>
              {session && (session.role === 'SEEKER' || session.role === 'EMPLOYER') && (
                <Live token={session.token} role={session.role} onTokenRefused={() => changeSession(null)} />
              )}
            </Suspense>
          </div>
        </main>
      )}
      <RequestLog />
      <small className="gateway-url">{GATEWAY_URL}</small>
    </div>
  );
}
