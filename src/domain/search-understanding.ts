/**
 * Reading what people type into a job search: words that name a job's attributes ("remote",
 * "part time", "senior", "austin tx") are conditions on those attributes, not text to find in
 * the posting, where they rarely appear ("python developer remote" found nothing: no posting
 * says "remote" in its text, the remote ones say so in a column).
 *
 * Pure and bounded: at most MAX_WORDS words are looked at, phrases of at most 4 words. The
 * places a search may name come from the jobs' own locations (a `PlaceIndex` built from
 * search_term); everything else is the table below. docs/SEARCH.md describes the rules.
 *
 * Why not a library: what is wanted is a small, fixed gazetteer of the job domain applied to
 * web-search syntax ("quoted" and -excluded words are never conditions), with a report of
 * which words became what; general query parsers (search-query-parser, lucene syntax) parse
 * key:value syntax, which nobody types.
 */

export type ConditionField = 'REMOTE' | 'JOB_TYPE' | 'EXPERIENCE_LEVEL' | 'LOCATION';

/** One thing the words were taken to mean, as a front end shows it (a chip it can undo). */
export interface SearchCondition {
  field: ConditionField;
  /** The search without this condition's words, as typed otherwise: what undoes it. */
  searchWithout: string;
  /** The value the jobs must have: `true`/`false`, a JobType, an ExperienceLevel, or a place (city or state). */
  value: string;
  /** The words of the search, as typed, read as this condition. */
  words: string[];
}

/** A place the data knows: a city (with its state, if any) or a state, spelt as the jobs spell it. */
export interface Place {
  city?: string;
  state?: string;
}

/** Places by their name in lower case, one to four words ("austin" a city, "tx" a state). */
export type PlaceIndex = ReadonlyMap<string, readonly Place[]>;

/** What a search was taken to mean. */
export interface SearchReading {
  /** What is left to find in the jobs' text, in web-search syntax (empty: nothing). */
  text: string;
  conditions: SearchCondition[];
  /**
   * Words of `text` outside quotes, not excluded and not joined by `or`, in order: when no job
   * has them all, the jobs that have the most of them are listed instead (data/jobs.ts).
   */
  free: string[];
  /** The quoted phrases and -exclusions of `text`, which a relaxed search keeps. */
  strict: string;
  /** Title words that also satisfy each attribute condition ("Senior Living Nurse" stays findable). */
  titleWords: Partial<Record<Exclude<ConditionField, 'LOCATION'>, string[]>>;
  /**
   * The places each recognised name stands for. A job must be in one of the cities named (if
   * any) and in one of the states named only as states (if any): "austin dallas" is either
   * city, "austin tx" Austin in Texas.
   */
  places: Place[][];
}

/** Explicit filter arguments: a word never overrides one (it stays text). */
export interface ExplicitFilter {
  remote?: boolean | null;
  jobType?: string | null;
  experienceLevel?: readonly string[] | null;
  location?: string | null;
}

/** Words of a search looked at, at most: a bound on the reading's and the statement's work. */
export const MAX_WORDS = 32;
/** The longest phrase recognised ("district of columbia", "work from home"). */
const MAX_PHRASE = 4;

type Attribute = [Exclude<ConditionField, 'LOCATION'>, string];

/**
 * Attribute words by phrase. "entry" alone is not here ("data entry" is a job); "mid" neither
 * (a prefix of too much); "intern" is the job type INTERNSHIP, as every intern posting is one.
 * "principal" is EXECUTIVE: the level above LEAD that postings call principal or executive.
 */
const ATTRIBUTES: ReadonlyMap<string, Attribute> = new Map<string, Attribute>([
  ...['remote', 'fully remote', 'work from home', 'wfh', 'telecommute', 'telecommuting', 'anywhere'].map((p): [string, Attribute] => [p, ['REMOTE', 'true']]),
  ...['on site', 'onsite', 'in office', 'in person'].map((p): [string, Attribute] => [p, ['REMOTE', 'false']]),
  ...(
    [
      ['full time', 'FULL_TIME'],
      ['fulltime', 'FULL_TIME'],
      ['part time', 'PART_TIME'],
      ['parttime', 'PART_TIME'],
      ['contract', 'CONTRACT'],
      ['contractor', 'CONTRACT'],
      ['contractors', 'CONTRACT'],
      ['temporary', 'TEMPORARY'],
      ['temp', 'TEMPORARY'],
      ['internship', 'INTERNSHIP'],
      ['internships', 'INTERNSHIP'],
      ['intern', 'INTERNSHIP'],
      ['interns', 'INTERNSHIP'],
    ] as const
  ).map(([p, v]): [string, Attribute] => [p, ['JOB_TYPE', v]]),
  ...(
    [
      ['entry level', 'ENTRY'],
      ['junior', 'ENTRY'],
      ['jr', 'ENTRY'],
      ['graduate', 'ENTRY'],
      ['new grad', 'ENTRY'],
      ['mid level', 'MID'],
      ['midlevel', 'MID'],
      ['senior', 'SENIOR'],
      ['sr', 'SENIOR'],
      ['lead', 'LEAD'],
      ['principal', 'EXECUTIVE'],
      ['executive', 'EXECUTIVE'],
    ] as const
  ).map(([p, v]): [string, Attribute] => [p, ['EXPERIENCE_LEVEL', v]]),
]);

/** US states by name, for a search that spells one out ("texas" is the state TX). */
export const US_STATES: Readonly<Record<string, string>> = {
  alabama: 'al', alaska: 'ak', arizona: 'az', arkansas: 'ar', california: 'ca', colorado: 'co', connecticut: 'ct', delaware: 'de',
  'district of columbia': 'dc', florida: 'fl', georgia: 'ga', hawaii: 'hi', idaho: 'id', illinois: 'il', indiana: 'in', iowa: 'ia',
  kansas: 'ks', kentucky: 'ky', louisiana: 'la', maine: 'me', maryland: 'md', massachusetts: 'ma', michigan: 'mi', minnesota: 'mn',
  mississippi: 'ms', missouri: 'mo', montana: 'mt', nebraska: 'ne', nevada: 'nv', 'new hampshire': 'nh', 'new jersey': 'nj',
  'new mexico': 'nm', 'new york': 'ny', 'north carolina': 'nc', 'north dakota': 'nd', ohio: 'oh', oklahoma: 'ok', oregon: 'or',
  pennsylvania: 'pa', 'rhode island': 'ri', 'south carolina': 'sc', 'south dakota': 'sd', tennessee: 'tn', texas: 'tx', utah: 'ut',
  vermont: 'vt', virginia: 'va', washington: 'wa', 'west virginia': 'wv', wisconsin: 'wi', wyoming: 'wy',
}; // prettier-ignore

/** Short names people type for cities: each counts when the data has the city. */
export const CITY_ALIASES: Readonly<Record<string, string>> = {
  nyc: 'new york',
  sf: 'san francisco',
  la: 'los angeles',
  philly: 'philadelphia',
  vegas: 'las vegas',
};

/**
 * Words that join conditions ("part time in austin", "remote jobs", "senior roles"): dropped
 * from the text once a condition was read, or the text would be a stop word no job is indexed
 * by, and the list empty.
 */
const FILLER = new Set([
  'in',
  'at',
  'near',
  'around',
  'the',
  'a',
  'an',
  'and',
  'or',
  'for',
  'of',
  'with',
  'job',
  'jobs',
  'role',
  'roles',
  'position',
  'positions',
  'opening',
  'openings',
]);

/**
 * Two-letter codes that are also words or abbreviations of the trade ("or", "in", "me", "on",
 * "hi", "ok", "md", "qa"…): read as a state only typed in capitals ("Austin TX", "nurse ME") or
 * right after a city of that state ("portland or"). "or" between two words is the operator
 * whatever its case ("Portland OR nurse" is portland or nurse), as PostgreSQL reads it; "la"
 * is Los Angeles, as people mean it.
 */
const AMBIGUOUS_CODES = new Set([
  'al',
  'ar',
  'as',
  'at',
  'be',
  'by',
  'co',
  'de',
  'do',
  'go',
  'he',
  'hi',
  'id',
  'if',
  'in',
  'is',
  'it',
  'la',
  'ma',
  'md',
  'me',
  'mo',
  'ms',
  'mt',
  'my',
  'ne',
  'no',
  'oh',
  'ok',
  'on',
  'or',
  'pa',
  'pr',
  'qa',
  'sc',
  'so',
  'to',
  'ui',
  'up',
  'us',
  'ut',
  'va',
  'we',
]);

export interface Token {
  /** As typed, for the text left over and for the report. */
  raw: string;
  /** Lower-case words ("part-time" is "part time"). */
  words: string[];
  /** Quoted, excluded or an operand of `or`: never a condition, never relaxed. */
  fixed: boolean;
  quoted: boolean;
  excluded: boolean;
  /** The `or` between two words: syntax, not a word. */
  operator: boolean;
}

/** The tokens of a search in web-search syntax (`-"a phrase"` is one excluded token). */
export function searchTokens(search: string): Token[] {
  const tokens: Token[] = [];
  let excludeNext = false;
  search.split('"').forEach((part, i) => {
    if (i % 2 === 1) {
      const raw = `${excludeNext ? '-' : ''}"${part.trim()}"`;
      if (part.trim()) tokens.push({ raw, words: [], fixed: true, quoted: true, excluded: excludeNext, operator: false });
      excludeNext = false;
      return;
    }
    // A "-" right before a quote excludes the phrase, as websearch_to_tsquery reads it.
    excludeNext = /(^|\s)-$/.test(part);
    for (const raw of part.split(/[\s,;]+/)) {
      if (!raw) continue;
      const excluded = raw.startsWith('-');
      const words = raw
        .toLowerCase()
        .split(/[^\p{L}\p{N}+#]+/u)
        .filter(Boolean);
      if (words.length === 0) continue;
      tokens.push({ raw, words, fixed: excluded, quoted: false, excluded, operator: false });
    }
  });
  // `a or b`: both sides are alternatives the searcher wrote on purpose.
  tokens.forEach((t, i) => {
    if (!t.fixed && t.raw.toLowerCase() === 'or' && i > 0 && i < tokens.length - 1) {
      t.fixed = t.operator = tokens[i - 1].fixed = tokens[i + 1].fixed = true;
    }
  });
  return tokens;
}

interface Match {
  start: number;
  end: number;
  attribute?: Attribute;
  places?: Place[];
}

/** The places a phrase names in this data, or none. `capitals`: typed in capitals ("OR"). */
function placesNamed(phrase: string, index: PlaceIndex, capitals: boolean, previous: Place[] | undefined): Place[] | undefined {
  const isState = (p: Place, code: string) => !p.city && p.state?.toLowerCase() === code;
  const direct = index.get(CITY_ALIASES[phrase] ?? phrase);
  const state = US_STATES[phrase];
  const byName = state ? index.get(state)?.filter((p) => isState(p, state)) : undefined;
  let found = [...(direct ?? []), ...(byName ?? [])];
  if (phrase.length === 2 && AMBIGUOUS_CODES.has(phrase) && !capitals && !CITY_ALIASES[phrase]) {
    // "portland or": the code of the state of the city just named.
    found = previous?.some((p) => p.city && p.state?.toLowerCase() === phrase) ? found.filter((p) => isState(p, phrase)) : [];
  }
  return found.length ? found : undefined;
}

/**
 * Reads a search: attribute words and places become conditions, the rest stays text. A field
 * set by an argument is never read from words. `index` is the data's places (none: no place
 * is recognised).
 */
export function readSearch(search: string, explicit: ExplicitFilter = {}, index: PlaceIndex = new Map()): SearchReading {
  const tokens = searchTokens(search);
  const matches: Match[] = [];
  let previousPlaces: Place[] | undefined;
  for (let i = 0; i < Math.min(tokens.length, MAX_WORDS);) {
    let match: Match | undefined;
    for (let n = Math.min(MAX_PHRASE, MAX_WORDS - i, tokens.length - i); n >= 1 && !match; n--) {
      const span = tokens.slice(i, i + n);
      if (span.some((t) => t.fixed)) continue;
      const phrase = span.flatMap((t) => t.words).join(' ');
      const attribute = ATTRIBUTES.get(phrase);
      if (attribute && !isExplicit(attribute[0], explicit)) match = { start: i, end: i + n, attribute };
      else if (!isExplicit('LOCATION', explicit)) {
        const capitals = span.length === 1 && /^[A-Z]{2}$/.test(span[0].raw);
        const places = placesNamed(phrase, index, capitals, previousPlaces);
        if (places) match = { start: i, end: i + n, places };
      }
    }
    previousPlaces = match?.places;
    if (match) matches.push(match);
    i = match ? match.end : i + 1;
  }

  const conditions: SearchCondition[] = [];
  const titleWords: SearchReading['titleWords'] = {};
  const places: Place[][] = [];
  const consumed = new Set<number>();
  const spans = new Map<SearchCondition, Set<number>>();
  for (const m of matches) {
    const words = tokens.slice(m.start, m.end).map((t) => t.raw);
    const span = new Set(Array.from({ length: m.end - m.start }, (_, k) => m.start + k));
    for (const k of span) consumed.add(k);
    if (m.attribute) {
      const [field, value] = m.attribute;
      const known = conditions.find((c) => c.field === field && c.value === value);
      if (known) {
        known.words.push(...words);
        for (const k of span) spans.get(known)!.add(k);
      } else {
        const condition = { field, value, words, searchWithout: '' };
        conditions.push(condition);
        spans.set(condition, span);
      }
      (titleWords[field] ??= []).push(
        tokens
          .slice(m.start, m.end)
          .flatMap((t) => t.words)
          .join(' '),
      );
    } else if (m.places) {
      places.push(m.places);
      const condition = { field: 'LOCATION' as const, value: placeName(m.places), words, searchWithout: '' };
      conditions.push(condition);
      spans.set(condition, span);
    }
  }
  // Rebuilt from the tokens, not by finding the words again: the same word may stand in a
  // quoted phrase or an exclusion too.
  for (const [condition, span] of spans) {
    condition.searchWithout = tokens
      .filter((_, k) => !span.has(k))
      .map((t) => t.raw)
      .join(' ');
  }
  // What joined the conditions ("part time in austin", "remote jobs"): not text to find.
  if (conditions.length) tokens.forEach((t, k) => !t.fixed && FILLER.has(t.raw.toLowerCase()) && consumed.add(k));
  const rest = tokens.filter((_, k) => !consumed.has(k));
  // Words joined by `or` are alternatives already: such a search is not relaxed further.
  const alternatives = rest.some((t) => t.operator);
  return {
    // Nothing taken out: the search as typed, every character of it.
    text: conditions.length ? rest.map((t) => t.raw).join(' ') : search.trim(),
    conditions,
    // Distinct (case aside): a word typed twice is one word to keep or leave out.
    free: alternatives
      ? []
      : [...new Map(tokens.flatMap((t, k) => (k < MAX_WORDS && !consumed.has(k) && !t.fixed ? [[t.raw.toLowerCase(), t.raw] as const] : []))).values()],
    strict: rest
      .filter((t) => t.quoted || t.excluded)
      .map((t) => t.raw)
      .join(' '),
    titleWords,
    places,
  };
}

function isExplicit(field: ConditionField, explicit: ExplicitFilter): boolean {
  if (field === 'REMOTE') return explicit.remote != null;
  if (field === 'JOB_TYPE') return explicit.jobType != null;
  if (field === 'EXPERIENCE_LEVEL') return explicit.experienceLevel != null;
  return !!explicit.location?.trim();
}

/**
 * A place's name for the report: the state when the name is one ("new york" is the state NY,
 * its cities included), else its cities ("Austin, TX", "Portland, OR / Portland, ME").
 */
function placeName(places: Place[]): string {
  const state = places.find((p) => !p.city);
  if (state) return state.state!;
  return [...new Set(places.map((p) => (p.state ? `${p.city}, ${p.state}` : p.city!)))].join(' / ');
}

/** The index of places a search may name, from the places jobs are in. */
export function placeIndex(places: readonly Place[]): PlaceIndex {
  const index = new Map<string, Place[]>();
  const add = (name: string, place: Place) => {
    const key = name.toLowerCase().replace(/\s+/g, ' ').trim();
    if (key) index.set(key, [...(index.get(key) ?? []), place]);
  };
  for (const p of places) {
    if (p.city) add(p.city, p);
    else if (p.state) add(p.state, { state: p.state });
  }
  return index;
}
