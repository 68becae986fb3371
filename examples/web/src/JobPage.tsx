import { useCallback, useEffect, useState } from 'react';
import { ApplyToJobDocument, JobPageDocument, type JobPageQuery } from '../../../client/generated/graphql';
import { explain, GatewayError, request } from './gateway';
import { salary } from './JobList';
import { Figures, useLastRequest } from './RequestLog';

type Job = NonNullable<JobPageQuery['job']>;

/**
 * A job's page (JobPage: the posting, its company, its application counts and similar jobs),
 * and applying to it. After applying, the page is read again: the gateway invalidated the
 * cached page with the write, so the count shown is the new one (read-your-writes).
 */
export function JobPage(props: {
  id: string;
  token: string | null;
  role: string | null;
  onOpen: (id: string) => void;
  onClose: () => void;
  onTokenRefused: () => void;
}) {
  const { id, token, role, onOpen, onClose } = props;
  const [job, setJob] = useState<Job | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [applying, setApplying] = useState(false);
  const [applied, setApplied] = useState<string | null>(null);

  const load = useCallback(
    (signal?: AbortSignal) =>
      request(JobPageDocument, { id }, { signal }).then(
        (data) => setJob(data.job),
        (err: unknown) => signal?.aborted || setError(err),
      ),
    [id],
  );
  useEffect(() => {
    const controller = new AbortController();
    setJob(undefined);
    setError(null);
    setApplied(null);
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  const apply = async () => {
    setApplying(true);
    setError(null);
    try {
      const { applyToJob } = await request(ApplyToJobDocument, { jobId: id }, { token });
      setApplied(`Applied: application ${applyToJob.id}, ${applyToJob.status.toLowerCase()}.`);
      await load();
    } catch (err) {
      setError(err);
      if (err instanceof GatewayError && err.code === 'CONFLICT') setApplied('You have applied to this job.');
      if (err instanceof GatewayError && err.code === 'UNAUTHENTICATED') props.onTokenRefused();
    } finally {
      setApplying(false);
    }
  };

  const last = useLastRequest('JobPage');
  return (
    <article className="job-page" data-testid="job-page" data-job-id={id}>
      <button type="button" className="close" onClick={onClose} aria-label="Close the job">
        ×
      </button>
      {job === undefined && !error && <p>Loading…</p>}
      {job === null && <p>This job does not exist.</p>}
      {job && (
        <>
          <h2 data-testid="job-title">{job.title}</h2>
          <p className="meta">
            {job.company.name} ({job.company.jobCount} jobs) · {job.location} · {job.jobType.toLowerCase().replace('_', ' ')}
            {job.experienceLevel ? ` · ${job.experienceLevel.toLowerCase()}` : ''} {salary(job.salaryMin, job.salaryMax)}
            {job.isActive ? '' : ' · closed'}
          </p>
          <p className="counts">
            <span data-testid="application-count" data-count={job.applicationCount}>
              {job.applicationCount} applications
            </span>{' '}
            ({job.recentApplications} this week) <Figures entry={last} />
          </p>
          <div className="apply">
            {token && role === 'SEEKER' ? (
              <button type="button" data-testid="apply" disabled={applying || !job.isActive || applied != null} onClick={() => void apply()}>
                {applying ? 'Applying…' : 'Apply'}
              </button>
            ) : (
              <small>{token ? 'Only job seekers apply.' : 'Sign in as a job seeker to apply.'}</small>
            )}
            {applied && (
              <span className="applied" data-testid="applied">
                {applied}
              </span>
            )}
          </div>
          {job.skills.length > 0 && <p className="skills">{job.skills.join(' · ')}</p>}
          <p className="description">{job.description}</p>
          {job.similarJobs.length > 0 && (
            <>
              <h3>Similar jobs</h3>
              <ul className="similar" data-testid="similar-jobs">
                {job.similarJobs.map((s) => (
                  <li key={s.id}>
                    <button type="button" onClick={() => onOpen(s.id)}>
                      {s.title} <small>{s.company.name}</small>
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      {error != null && !(error instanceof GatewayError && error.code === 'CONFLICT' && applied) && <p className="error">{explain(error)}</p>}
    </article>
  );
}
