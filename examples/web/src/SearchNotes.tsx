import type { SearchConditionField } from '../../../client/generated/graphql';
import { label } from './Facets';
import type { SearchInfo } from './useSearch';

/** A condition's chip text: what a person would call it, not the enum. */
function conditionText(field: SearchConditionField, value: string) {
  if (field === 'REMOTE') return value === 'true' ? 'Remote' : 'On site';
  if (field === 'LOCATION') return value;
  return label(value);
}

/** The search without the first occurrence of a word, as a whole word in any case. */
function without(search: string, word: string) {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return search
    .replace(new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'iu'), ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * What the search was taken to mean, under the list's status line: the attribute words read as
 * conditions (chips; × sends the search the gateway says undoes one), a did-you-mean that
 * finds jobs, and, when no job had every word, which words the listed jobs lack (each a link
 * that searches without it, so the count is of jobs having every remaining word).
 */
export function SearchNotes({ search, info, onSearch }: { search: string; info: SearchInfo | null; onSearch: (search: string) => void }) {
  if (!info) return null;
  const { conditions, didYouMean, relaxed, relaxedWords } = info;
  if (!conditions.length && !didYouMean && !relaxed) return null;
  return (
    <div className="search-notes" data-testid="search-notes">
      {conditions.length > 0 && (
        <p className="understood">
          Understood as:{' '}
          {conditions.map((c) => (
            <button
              key={`${c.field}:${c.value}`}
              type="button"
              className="chip"
              data-testid="condition"
              data-field={c.field}
              data-value={c.value}
              title={`“${c.words.join(' ')}” read as a condition: remove it`}
              onClick={() => onSearch(c.searchWithout)}
            >
              {conditionText(c.field, c.value)} ×
            </button>
          ))}
        </p>
      )}
      {didYouMean && (
        <p className="hint">
          Did you mean{' '}
          <button type="button" className="link" data-testid="did-you-mean" onClick={() => onSearch(didYouMean)}>
            {didYouMean}
          </button>
          ?
        </p>
      )}
      {relaxed && (
        <p className="hint" data-testid="relaxed">
          No job has all of your words; showing jobs with the others
          {relaxedWords.length > 0 && (
            <>
              {' '}
              — left out:{' '}
              {relaxedWords.map((w, i) => (
                <span key={w}>
                  {i > 0 && ', '}
                  <button
                    type="button"
                    className="link"
                    data-testid="relaxed-word"
                    title={`Search without “${w}”`}
                    onClick={() => onSearch(without(search, w))}
                  >
                    {w}
                  </button>
                </span>
              ))}
            </>
          )}
        </p>
      )}
    </div>
  );
}
