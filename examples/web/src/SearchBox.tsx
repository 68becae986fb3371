import { useEffect, useState } from 'react';
import { SearchSuggestionsDocument, type SearchSuggestionsQuery } from '../../../client/generated/graphql';
import { request } from './gateway';

type Suggestion = SearchSuggestionsQuery['searchSuggestions'][number];

/** Pauses between keystrokes shorter than this send no type-ahead request. */
const DEBOUNCE_MS = 120;

/**
 * The search box (`initial`: the search words of the filter shown), with type-ahead from `searchSuggestions` (a request per pause in typing; a
 * newer one aborts the older). A LOCATION suggestion becomes the location filter, any other
 * the search words.
 */
export function SearchBox({ initial, onSearch }: { initial: string; onSearch: (search: string, location?: string) => void }) {
  const [text, setText] = useState(initial);
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  // The box shows the filter's words when they change elsewhere (a chip removed them).
  useEffect(() => setText(initial), [initial]);

  useEffect(() => {
    const prefix = text.trim();
    if (!open || prefix.length < 2) {
      setSuggestions([]);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      request(SearchSuggestionsDocument, { prefix, first: 8 }, { signal: controller.signal }).then(
        (data) => {
          setSuggestions(data.searchSuggestions);
          setActive(-1);
        },
        // Type-ahead is a convenience: a failure (or an abort) leaves the box as it is.
        () => undefined,
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text, open]);

  const choose = (s: Suggestion) => {
    setOpen(false);
    if (s.kind === 'LOCATION') {
      setText('');
      onSearch('', s.value);
    } else {
      setText(s.value);
      onSearch(s.value);
    }
  };

  return (
    <form
      className="search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        if (active >= 0 && suggestions[active]) return choose(suggestions[active]);
        setOpen(false);
        onSearch(text.trim());
      }}
    >
      <input
        type="search"
        data-testid="search-input"
        role="combobox"
        aria-expanded={open && suggestions.length > 0}
        aria-controls="suggestions"
        aria-autocomplete="list"
        placeholder="Search jobs: python, golang, “data engineer”, -java"
        value={text}
        maxLength={200}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, suggestions.length - 1));
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, -1));
          else if (e.key === 'Escape') setOpen(false);
        }}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
      />
      <button type="submit">Search</button>
      {open && suggestions.length > 0 && (
        <ul id="suggestions" role="listbox" className="suggestions" data-testid="suggestions">
          {suggestions.map((s, i) => (
            <li
              key={`${s.kind}:${s.value}`}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(s);
              }}
            >
              <span>{s.value}</span>
              <small>
                {s.kind.toLowerCase()} · {s.jobCount}
              </small>
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}
