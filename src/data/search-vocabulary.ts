import { createHash } from 'node:crypto';
import type { RawSql } from '../db/database';
import { SYNONYMS, VOCABULARY_VERSION } from '../domain/search-vocabulary';

type Tx = Pick<RawSql, 'query'>;

/**
 * Writes the synonym groups (src/domain/search-vocabulary.ts) as ts_rewrite rules into
 * search_synonym (when the migrations have made it), unless the table holds these very rules, or those of a newer vocabulary
 * (VOCABULARY_VERSION: an old instance restarting during a rolling deploy leaves the new
 * rules alone). The rules are computed by the database each time and compared whole, so a
 * change of the normalisation or of PostgreSQL's stemming rewrites them too. Run inside the
 * migration transaction, under its lock: instances starting together write once, whole.
 * Cached search results keep the vocabulary they were computed with until their TTL
 * (CACHE_TTL_SEARCH_S) or a write to what they list.
 *
 * PostgreSQL stems and parses every term (to_tsquery in the database itself), so the rules
 * match what websearch_to_tsquery makes of a search. For each term of a group, each form it
 * can take in a search is a target: one word; a phrase, quoted ("machine learning"); or its
 * words anywhere, unquoted (machine learning). The target keeps its own form and gains the
 * other terms as phrases: "ml" finds "machine learning" but not "learn about our machine".
 */
export async function syncVocabulary(tx: Tx): Promise<boolean> {
  const [{ table }] = await tx.query<{ table: string | null }>(`SELECT to_regclass('search_synonym')::text AS "table"`);
  if (!table) return false;
  const [current] = await tx.query<{ vocabulary: string }>('SELECT vocabulary FROM search_synonym LIMIT 1');
  const written = Number(/^v(\d+):/.exec(current?.vocabulary ?? '')?.[1] ?? 0);
  if (written > VOCABULARY_VERSION) return false;
  const terms = SYNONYMS.flat();
  const plain = terms.map((t) => t.replace(/:AB$/, ''));
  const forms = await tx.query<{ phrase: string; words: string; restricted: string }>(
    `SELECT phraseto_tsquery('english', chommie_search_text(t, true))::text AS phrase,
            plainto_tsquery('english', chommie_search_text(t, true))::text AS words,
            CASE WHEN r THEN to_tsquery('english', t || ':AB')::text END AS restricted
     FROM unnest($1::text[], $2::boolean[]) WITH ORDINALITY AS x(t, r, n) ORDER BY n`,
    [plain, terms.map((t) => t.endsWith(':AB'))],
  );
  const targets: string[] = [];
  const substitutes: string[] = [];
  let i = 0;
  for (const group of SYNONYMS) {
    const members = group.map(() => forms[i++]);
    // What each term adds to a search for another: restricted to titles and skills, or as a phrase.
    const as = members.map((m) => m.restricted ?? m.phrase).filter(Boolean);
    for (const m of members) {
      for (const target of new Set([m.phrase, m.words].filter(Boolean))) {
        const others = as.filter((q) => q !== m.phrase && q !== m.restricted);
        if (others.length === 0) continue;
        targets.push(target);
        substitutes.push([target, ...others].map((q) => `(${q})`).join(' | '));
      }
    }
  }
  const version = `v${VOCABULARY_VERSION}:${createHash('sha256')
    .update(JSON.stringify([targets, substitutes]))
    .digest('hex')
    .slice(0, 16)}`;
  if (current?.vocabulary === version) return false;
  await tx.query('DELETE FROM search_synonym', []);
  // A placeholder is a word no search can contain (searches are parsed into lexemes of their own text).
  await tx.query(
    `INSERT INTO search_synonym (target, placeholder, substitute, vocabulary)
     SELECT t::tsquery, quote_literal('syn ' || n)::tsquery, s::tsquery, $3 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(t, s, n)`,
    [targets, substitutes, version],
  );
  return true;
}
