import { useCallback, useEffect, useState } from 'react';
import type { JobFilter } from '../../../client/generated/graphql';
import { Facets } from './Facets';
import { GATEWAY_URL } from './gateway';
import { JobList } from './JobList';
import { JobPage } from './JobPage';
import { Live } from './Live';
import { RequestLog } from './RequestLog';
import { SearchBox } from './SearchBox';
import { SignIn, type Session } from './SignIn';
import { Trending } from './Trending';
import { useSearch } from './useSearch';

const SESSION_KEY = 'chommie.session';

/** The open job is in the address (#/jobs/12): the back button closes it, a link opens it. */
const jobInHash = () => /^#\/jobs\/(\d+)$/.exec(window.location.hash)?.[1] ?? null;

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
  const [session, setSession] = useState<Session | null>(savedSession);
  const search = useSearch(filter);
  // A chip's ×, a did-you-mean or a left-out word: another search with the same other filters.
  const searchFor = useCallback((words: string) => setFilter((f) => ({ ...f, search: words || undefined })), []);

  useEffect(() => {
    const onHash = () => setJobId(jobInHash());
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
        <SignIn session={session} onChange={changeSession} />
      </header>
      <main>
        <Facets facets={search.facets} filter={filter} onChange={setFilter} />
        <JobList search={search} selected={jobId} onOpen={open} onSearch={searchFor} />
        <div className="side">
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
          {session && (session.role === 'SEEKER' || session.role === 'EMPLOYER') && (
            <Live token={session.token} role={session.role} onTokenRefused={() => changeSession(null)} />
          )}
        </div>
      </main>
      <RequestLog />
      <small className="gateway-url">{GATEWAY_URL}</small>
    </div>
  );
}
