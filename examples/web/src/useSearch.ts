import { useCallback, useEffect, useRef, useState } from 'react';
import { SearchMoreDocument, SearchPageDocument, type JobFilter, type SearchPageQuery } from '../../../client/generated/graphql';
import { request } from './gateway';

export type JobRow = SearchPageQuery['jobs']['edges'][number]['node'];
export type Facets = SearchPageQuery['jobs']['facets'];
export type SearchInfo = SearchPageQuery['jobs']['searchInfo'];

export const PAGE_SIZE = 20;

export interface SearchState {
  /** The filter the rows are for (until the first page of a new one arrives, the old one). */
  filter: JobFilter | null;
  rows: JobRow[];
  totalCount: number | null;
  facets: Facets | null;
  searchInfo: SearchInfo | null;
  pages: number;
  hasNextPage: boolean;
  loading: boolean;
  error: unknown;
}

const EMPTY: SearchState = {
  filter: null,
  rows: [],
  totalCount: null,
  facets: null,
  searchInfo: null,
  pages: 0,
  hasNextPage: false,
  loading: true,
  error: null,
};

/**
 * A search page and its next pages by cursor: the first page (SearchPage) brings the rows,
 * counts, facets and what the search was taken to mean; each next page (SearchMore) only rows,
 * after the last page's endCursor, with the same filter. A new filter starts over and drops
 * any page still arriving for the old one.
 */
export function useSearch(filter: JobFilter) {
  const [state, setState] = useState<SearchState>(EMPTY);
  const cursor = useRef<string | null>(null);
  const generation = useRef(0);
  const inFlight = useRef(false);

  useEffect(() => {
    const mine = ++generation.current;
    const controller = new AbortController();
    cursor.current = null;
    inFlight.current = true;
    setState(EMPTY);
    request(SearchPageDocument, { filter, first: PAGE_SIZE }, { signal: controller.signal }).then(
      ({ jobs }) => {
        if (mine !== generation.current) return;
        cursor.current = jobs.pageInfo.endCursor;
        inFlight.current = false;
        setState({
          filter,
          rows: jobs.edges.map((e) => e.node),
          totalCount: jobs.totalCount,
          facets: jobs.facets,
          searchInfo: jobs.searchInfo,
          pages: 1,
          hasNextPage: jobs.pageInfo.hasNextPage,
          loading: false,
          error: null,
        });
      },
      (error: unknown) => {
        if (mine !== generation.current || controller.signal.aborted) return;
        inFlight.current = false;
        setState({ ...EMPTY, loading: false, error });
      },
    );
    return () => controller.abort();
  }, [filter]);

  const loadMore = useCallback(() => {
    const after = cursor.current;
    if (inFlight.current || !after) return;
    const mine = generation.current;
    inFlight.current = true;
    setState((s) => ({ ...s, loading: true }));
    request(SearchMoreDocument, { filter, first: PAGE_SIZE, after }).then(
      ({ jobs }) => {
        if (mine !== generation.current) return;
        cursor.current = jobs.pageInfo.endCursor;
        inFlight.current = false;
        setState((s) => ({
          ...s,
          rows: [...s.rows, ...jobs.edges.map((e) => e.node)],
          pages: s.pages + 1,
          hasNextPage: jobs.pageInfo.hasNextPage,
          loading: false,
        }));
      },
      (error: unknown) => {
        if (mine !== generation.current) return;
        inFlight.current = false;
        setState((s) => ({ ...s, loading: false, error }));
      },
    );
  }, [filter]);

  return { ...state, loadMore };
}
