import { useVirtualizer } from '@tanstack/react-virtual';
import { Fragment, useEffect, useRef } from 'react';
import { explain } from './gateway';
import { Figures, useLastRequest } from './RequestLog';
import { SearchNotes } from './SearchNotes';
import type { JobRow, useSearch } from './useSearch';

const ROW_HEIGHT = 64;
/** Rows found by words have a line more: the snippet of the description. */
const SEARCHED_ROW_HEIGHT = 84;
/** Rows left below the visible ones when the next page is asked for. */
const PREFETCH_ROWS = 10;

export const salary = (min: number | null, max: number | null) =>
  min == null && max == null ? '' : `$${(min ?? max)!.toLocaleString('en-US')}${max != null && max !== min ? `–${max.toLocaleString('en-US')}` : ''}`;

type Parts = NonNullable<JobRow['searchHighlight']>['title'];

/** Highlighted text as React text nodes (never markup): the matched words in <mark>. */
const marked = (parts: Parts) => parts.map((p, i) => (p.matched ? <mark key={i}>{p.text}</mark> : <Fragment key={i}>{p.text}</Fragment>));

/**
 * The result list, virtualised: only the rows in view (and a few around) are in the page,
 * however many pages were loaded. Nearing the end of what is loaded asks for the next page.
 */
export function JobList({
  search,
  selected,
  onOpen,
  onSearch,
}: {
  search: ReturnType<typeof useSearch>;
  selected: string | null;
  onOpen: (id: string) => void;
  onSearch: (search: string) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const { rows, hasNextPage, loading, loadMore } = search;
  // A search of attribute words alone ("remote") has no text to highlight: no snippets.
  const rowHeight = rows[0]?.searchHighlight ? SEARCHED_ROW_HEIGHT : ROW_HEIGHT;
  const virtualizer = useVirtualizer({
    count: rows.length + (hasNextPage ? 1 : 0),
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 6,
    // Rows have one fixed height: nothing to measure, so no synchronous re-render on scroll.
    useFlushSync: false,
  });
  // The virtualizer keeps the sizes it was given; a list with snippets (or without) has others.
  useEffect(() => virtualizer.measure(), [virtualizer, rowHeight]);
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : -1;

  useEffect(() => {
    if (hasNextPage && !loading && lastIndex >= rows.length - PREFETCH_ROWS) loadMore();
  }, [lastIndex, rows.length, hasNextPage, loading, loadMore]);

  // A new search starts at the top.
  const first = rows[0]?.id;
  useEffect(() => {
    scroller.current?.scrollTo({ top: 0 });
  }, [first]);

  const page = useLastRequest('SearchPage');
  const more = useLastRequest('SearchMore');
  return (
    <section className="list">
      <div
        className="list-status"
        data-testid="list-status"
        data-rows={rows.length}
        data-pages={search.pages}
        data-total={search.totalCount ?? ''}
        data-search={search.filter?.search ?? ''}
        data-job-type={search.filter?.jobType ?? ''}
        data-experience-level={search.filter?.experienceLevel?.join(',') ?? ''}
      >
        {search.totalCount == null ? (
          loading ? (
            'Searching…'
          ) : (
            ''
          )
        ) : (
          <>
            <strong>{search.totalCount.toLocaleString('en-US')}</strong> jobs · {rows.length} loaded in {search.pages} {search.pages === 1 ? 'page' : 'pages'}
          </>
        )}{' '}
        <Figures entry={more && page && more.seq > page.seq ? more : page} />
      </div>
      <SearchNotes search={search.filter?.search ?? ''} info={search.searchInfo} onSearch={onSearch} />
      {search.error != null && <p className="error">{explain(search.error)}</p>}
      <div ref={scroller} className="scroller" data-testid="job-list">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = rows[item.index];
            return (
              <div
                key={item.key}
                className={`row${row && row.id === selected ? ' selected' : ''}`}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: rowHeight, transform: `translateY(${item.start}px)` }}
              >
                {row ? (
                  <button
                    type="button"
                    data-testid="job-row"
                    data-index={item.index}
                    data-job-id={row.id}
                    data-experience-level={row.experienceLevel ?? ''}
                    onClick={() => onOpen(row.id)}
                  >
                    <span className="title">{row.searchHighlight ? marked(row.searchHighlight.title) : row.title}</span>
                    {row.searchHighlight?.snippet && <span className="snippet">{marked(row.searchHighlight.snippet)}</span>}
                    <span className="meta">
                      {row.company.name} · {row.location}
                      {row.remote ? ' · remote' : ''} {salary(row.salaryMin, row.salaryMax)}
                    </span>
                  </button>
                ) : (
                  <span className="loading-row">Loading more…</span>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
