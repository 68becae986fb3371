import { SKILLS } from './skills-vocabulary';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// "Whole word" that also works for names ending in symbols (C++, C#, .NET, CI/CD).
const wordPattern = (s: string) => new RegExp(`(?<![\\w+#.])${escape(s)}(?![\\w+#&])`, s.length <= 2 || /^[A-Z0-9/+#.]+$/.test(s) ? '' : 'i');

const MATCHERS = SKILLS.map(({ name, also = [] }) => ({ name, patterns: [name, ...also].map(wordPattern) }));

/** Skills of the vocabulary named in the text, in vocabulary order. */
export function extractSkills(text: string): string[] {
  return MATCHERS.filter((m) => m.patterns.some((p) => p.test(text))).map((m) => m.name);
}

type Level = 'INTERN' | 'ENTRY' | 'MID' | 'SENIOR' | 'LEAD' | 'EXECUTIVE';

const TITLE_LEVELS: [RegExp, Level][] = [
  [/\b(intern|internship|co-?op)\b/i, 'INTERN'],
  [/\b(chief|cto|cfo|ceo|cmo|coo|vp|vice president|head of|director|principal)\b/i, 'EXECUTIVE'],
  [/\b(lead|staff|manager)\b/i, 'LEAD'],
  [/\b(senior|sr\.?)(?=\s|$|,)/i, 'SENIOR'],
  [/\b(junior|jr\.?|entry[- ]level|graduate|trainee|associate)(?=\s|$|,)/i, 'ENTRY'],
];

/**
 * Seniority from, in order: the title's words, the feed's coarse level, then the years of
 * experience the text asks for (0–1 ENTRY, 2–4 MID, 5–7 SENIOR, 8+ LEAD). Null when none says.
 */
export function experienceLevel(title: string, description: string, feedLevel?: string | null): Level | null {
  for (const [pattern, level] of TITLE_LEVELS) if (pattern.test(title)) return level;
  if (feedLevel) return feedLevel as Level;
  const years = [...description.matchAll(/\b(\d{1,2})\s*\+?\s*(?:-|to|–)?\s*(?:\d{1,2}\s*)?\+?\s*years?(?:'|’)?\s+(?:of\s+)?(?:\w+\s+){0,3}?experience/gi)]
    .map((m) => Number(m[1]))
    .filter((n) => n <= 30);
  if (years.length === 0) return null;
  const n = Math.min(...years);
  return n <= 1 ? 'ENTRY' : n <= 4 ? 'MID' : n <= 7 ? 'SENIOR' : 'LEAD';
}

const REMOTE =
  /\b(fully remote|100% remote|remote[- ](?:first|friendly|position|role|opportunity|work)|work(?:ing)? from home|wfh|telecommut\w*|remote within)\b/i;

/** Remote when the title or location says "remote", or the text offers remote work. */
export function isRemote(title: string, location: string, description: string): boolean {
  return /\bremote\b/i.test(title) || /\bremote\b/i.test(location) || REMOTE.test(description);
}
