import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Candidate, FeedRow } from '../types';

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

/** A JobInput object as a candidate; its fields are validated later, like every feed's. */
export function fromJobInput(line: number, value: unknown): FeedRow {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { line, reason: 'not a JSON object', record: value };
  const v = value as Record<string, any>;
  const companyName = typeof v.companyName === 'string' ? v.companyName.trim() : '';
  if (!companyName && v.companyId == null) return { line, reason: 'needs companyName or companyId', record: value };
  if (v.companyId != null && !/^[1-9][0-9]{0,9}$/.test(String(v.companyId))) return { line, reason: 'companyId must be a positive integer', record: value };
  const { companyId, companyName: _name, externalId, ...fields } = v;
  return {
    line,
    candidate: {
      ...(fields as Omit<Candidate, 'company'>),
      externalId: externalId == null ? undefined : String(externalId),
      company: companyId != null ? { id: Number(companyId) } : { name: companyName },
    },
  };
}
