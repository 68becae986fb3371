import type { JobFilter } from '../../../client/generated/graphql';
import { salary } from './JobList';
import type { Facets as FacetCounts } from './useSearch';

export const label = (value: string) => value.charAt(0) + value.slice(1).toLowerCase().replace(/_/g, ' ');

/**
 * The filter sidebar: counts over the whole result (`jobs { facets }`, one statement). A click
 * narrows the filter; a chosen value shows as a chip that widens it again.
 */
export function Facets({ facets, filter, onChange }: { facets: FacetCounts | null; filter: JobFilter; onChange: (filter: JobFilter) => void }) {
  const set = (patch: Partial<JobFilter>) => onChange({ ...filter, ...patch });
  const chips: [string, Partial<JobFilter>][] = [];
  if (filter.search) chips.push([`“${filter.search}”`, { search: undefined }]);
  if (filter.jobType) chips.push([label(filter.jobType), { jobType: undefined }]);
  if (filter.remote != null) chips.push([filter.remote ? 'Remote' : 'On site', { remote: undefined }]);
  if (filter.experienceLevel?.length) chips.push([filter.experienceLevel.map(label).join(', '), { experienceLevel: undefined }]);
  if (filter.location) chips.push([filter.location, { location: undefined }]);
  if (filter.salaryMin != null || filter.salaryMax != null)
    chips.push([salary(filter.salaryMin ?? null, filter.salaryMax ?? null), { salaryMin: undefined, salaryMax: undefined }]);

  const option = (kind: string, text: string, count: number, patch: Partial<JobFilter>) => (
    <li key={text}>
      <button type="button" data-testid="facet" data-facet={kind} data-count={count} onClick={() => set(patch)}>
        {text} <small>{count.toLocaleString('en-US')}</small>
      </button>
    </li>
  );

  return (
    <aside className="facets" aria-label="Filters">
      {chips.length > 0 && (
        <div className="chips">
          {chips.map(([text, patch]) => (
            <button key={text} type="button" className="chip" data-testid="chip" onClick={() => set(patch)} title="Remove this filter">
              {text} ×
            </button>
          ))}
        </div>
      )}
      {facets && (
        <>
          {!filter.jobType && (
            <>
              <h3>Job type</h3>
              <ul>{facets.jobType.map((f) => option('jobType', label(f.value), f.count, { jobType: f.value }))}</ul>
            </>
          )}
          {filter.remote == null && (
            <>
              <h3>Remote</h3>
              <ul>{facets.remote.map((f) => option('remote', f.value ? 'Remote' : 'On site', f.count, { remote: f.value }))}</ul>
            </>
          )}
          {!filter.location && (
            <>
              <h3>Location</h3>
              <ul>{facets.locations.map((f) => option('location', f.value, f.count, { location: f.value }))}</ul>
            </>
          )}
          {filter.salaryMin == null && filter.salaryMax == null && (
            <>
              <h3>Salary</h3>
              <ul>
                {facets.salaryBands
                  .filter((b) => b.count > 0)
                  .map((b) =>
                    option('salary', b.max == null ? `$${b.min.toLocaleString('en-US')}+` : salary(b.min, b.max), b.count, {
                      salaryMin: b.min,
                      salaryMax: b.max ?? undefined,
                    }),
                  )}
              </ul>
            </>
          )}
          {!filter.experienceLevel?.length && (
            <>
              <h3>Experience</h3>
              <ul>{facets.experienceLevel.map((f) => option('experienceLevel', label(f.value), f.count, { experienceLevel: [f.value] }))}</ul>
            </>
          )}
        </>
      )}
    </aside>
  );
}
