import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { textFieldsProblem } from '../../domain/job-input';
import { INT4_MAX, toId } from '../../errors';
import type { Candidate, FeedRow } from '../types';

const MAX_EXTERNAL_ID = 200;

/**
 * JSON Lines of JobInput (the importJobs mutation's input): one object a line, with
 * `companyName` (created if new) or `companyId`; an optional `externalId`. Blank lines are skipped.
 */
export async function* jsonl(path: string): AsyncGenerator<FeedRow> {
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    line += 1;
    if (!text.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      yield { line, reason: `not JSON: ${(err as Error).message}`, record: text.slice(0, 200) };
      continue;
    }
    yield fromJobInput(line, value);
  }
}

const DAY_MS = 86_400_000;
const ISO_8601 = z.union([z.iso.date(), z.iso.datetime({ offset: true, local: true })]);

/**
 * When a posting was published: an ISO 8601 date or date-time (absent or null: now). A feed's
 * typo must not date a job in year 0 or the future, so only 1970 to tomorrow is believed.
 */
export function postedAt(value: unknown, field = 'createdAt'): { date: Date | null } | { reason: string } {
  if (value == null || value === '') return { date: null };
  const date = typeof value === 'string' && ISO_8601.safeParse(value).success ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) return { reason: `${field} must be an ISO 8601 date or date-time, got ${JSON.stringify(value)?.slice(0, 60)}` };
  if (date.getUTCFullYear() < 1970 || date.getTime() > Date.now() + DAY_MS)
    return { reason: `${field} ${value as string} is not a plausible posting date (1970 to today)` };
  return { date };
}

/** A JobInput object as a candidate; its fields are validated later, like every feed's. */
export function fromJobInput(line: number, value: unknown): FeedRow {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { line, reason: 'not a JSON object', record: value };
  const v = value as Record<string, unknown>;
  const reject = (reason: string): FeedRow => ({ line, reason, record: value });
  if (v.companyName != null && typeof v.companyName !== 'string') return reject('companyName must be a string');
  const companyName = typeof v.companyName === 'string' ? v.companyName.trim() : '';
  if (!companyName && v.companyId == null) return reject('needs companyName or companyId');
  const companyId = v.companyId == null ? null : toId(v.companyId);
  if (v.companyId != null && companyId == null) return reject(`companyId must be a company id (1 to ${INT4_MAX})`);
  if (v.externalId != null && !(typeof v.externalId === 'string' ? v.externalId.trim() : Number.isSafeInteger(v.externalId))) {
    return reject(`externalId must be a non-empty string or a whole number`);
  }
  const externalId = v.externalId == null ? undefined : `${v.externalId as string | number}`.trim();
  if (externalId && externalId.length > MAX_EXTERNAL_ID) return reject(`externalId must be at most ${MAX_EXTERNAL_ID} characters`);
  const text = textFieldsProblem({ companyName, externalId });
  if (text) return reject(text);
  const posted = postedAt(v.createdAt);
  if ('reason' in posted) return reject(posted.reason);
  const { companyId: _id, companyName: _name, externalId: _ext, createdAt: _at, ...fields } = v;
  return {
    line,
    candidate: {
      ...(fields as unknown as Omit<Candidate, 'company'>),
      externalId,
      createdAt: posted.date,
      company: companyId != null ? { id: companyId } : { name: companyName },
    },
  };
}
