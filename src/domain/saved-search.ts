import { z } from 'zod';
import { InvalidInput } from './errors';
import { parseInput, textProblem } from './job-input';

/** What a saved search may be: the same bounds as its CHECK constraints (migration 20261207120000_saved_searches). */
export const SAVED_SEARCH_LIMITS = { name: 100, perUser: 25, filterBytes: 4000 };

export type SavedSearchAlerts = 'NONE' | 'DAILY';

const Name = z
  .string()
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .min(1, 'must not be empty')
      .max(SAVED_SEARCH_LIMITS.name, `must be at most ${SAVED_SEARCH_LIMITS.name} characters`)
      .refine((s) => textProblem(s) == null, 'must be printable text'),
  );

/** A saved search's name as stored: trimmed, 1 to 100 printable characters. */
export const parseSavedSearchName = (name: unknown, argument: string): string => parseInput(Name, name, argument);

/**
 * A JobFilter as it is stored (JSON): its fields with a value, dates as ISO text. Read back, it
 * is the same filter (`filterFromJson`), so what a user sees of a saved search is what was saved.
 */
export function filterToJson(filter: Record<string, unknown>, argument: string): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(filter)) if (v != null) json[k] = v instanceof Date ? v.toISOString() : v;
  if (Buffer.byteLength(JSON.stringify(json)) > SAVED_SEARCH_LIMITS.filterBytes)
    throw new InvalidInput(`\`${argument}\` is too large to save (at most ${SAVED_SEARCH_LIMITS.filterBytes} bytes as JSON)`, argument);
  return json;
}

const DATES = ['postedAfter', 'postedBefore'];

export function filterFromJson(json: unknown): Record<string, unknown> {
  const filter: Record<string, unknown> = { ...(json as Record<string, unknown>) };
  for (const k of DATES) if (typeof filter[k] === 'string') filter[k] = new Date(filter[k]);
  return filter;
}

/**
 * Lexemes one of which every job matching a tsquery must have, or [] when that cannot be told
 * (an `or` of things that are not plain words, only prefixes or exclusions): the matcher joins
 * new jobs to saved searches by these through a GIN index instead of testing every pair.
 * `text` is the tsquery as PostgreSQL prints it (`'senior' & ( 'golang' | 'go' ) & !'java'`).
 * A conjunct that is a plain word (or a phrase of plain words) is required: one of its words
 * will do. A conjunct that is an `or` of such is required as a whole: one word of each. The
 * conjunct with the fewest anchors, then the longest word (a rarer one), is taken.
 */
export function requiredLexemes(text: string): string[] {
  let best: string[] = [];
  for (const conjunct of splitTop(text.trim(), '&')) {
    const anchors = conjunctAnchors(conjunct);
    if (!anchors.length) continue;
    const score = (a: string[]) => [a.length, -Math.min(...a.map((w) => w.length))];
    const [n, len] = score(anchors);
    const [bn, blen] = best.length ? score(best) : [Infinity, 0];
    if (n < bn || (n === bn && len < blen)) best = anchors;
  }
  return best;
}

/** One word standing for a conjunct, or an `or`'s words; [] when it has none. */
function conjunctAnchors(conjunct: string): string[] {
  let c = conjunct.trim();
  while (c.startsWith('(') && closingOf(c, 0) === c.length - 1) c = c.slice(1, -1).trim();
  const alternatives = splitTop(c, '|');
  if (alternatives.length > 1) {
    const words = alternatives.map((a) => conjunctAnchors(a));
    return words.every((w) => w.length) ? [...new Set(words.flat())] : [];
  }
  // An `and` inside an `or`: any of its own required words.
  if (splitTop(c, '&').length > 1) return requiredLexemes(c);
  if (/[!|&]/.test(stripQuoted(c)) || c.includes('(')) return [];
  // A phrase (`'machin' <-> 'learn'`) or a single word: every word of it is required.
  const words: string[] = [];
  for (const m of c.matchAll(/'((?:[^']|'')*)'(:[*A-D]*)?/g)) {
    if (m[2]?.includes('*')) continue; // a prefix: no single lexeme to look up
    words.push(m[1].replace(/''/g, "'"));
  }
  if (!words.length) return [];
  return [words.reduce((a, b) => (b.length > a.length ? b : a))];
}

/** The text with its quoted lexemes blanked, to look at operators only. */
const stripQuoted = (s: string) => s.replace(/'(?:[^']|'')*'/g, "''");

/** Splits at `op` outside parentheses and quotes. */
function splitTop(s: string, op: '&' | '|'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === op && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

function closingOf(s: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}
