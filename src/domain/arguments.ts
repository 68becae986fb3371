import { InvalidInput } from './errors';

/** Ids are PostgreSQL int4: anything larger must be refused before it reaches SQL. */
export const INT4_MAX = 2_147_483_647;

/** Whether `n` can be the id of one of our rows (a positive int4). */
export const isId = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= INT4_MAX;

/** The id a value spells (a positive int4, digits only), or null. */
export function toId(value: unknown): number | null {
  const s = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  const n = /^[1-9][0-9]{0,9}$/.test(s) ? Number(s) : NaN;
  return isId(n) ? n : null;
}

/** Parses a GraphQL ID of one of our rows (a positive int4), or says clearly why not. */
export function parseId(id: string | number, argument = 'id'): number {
  const n = toId(id);
  if (n == null)
    throw new InvalidInput(`\`${argument}\` must be a job-platform id (a positive integer), got ${JSON.stringify(String(id).slice(0, 40))}`, argument);
  return n;
}

export function checkRange(value: number, min: number, max: number, argument: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInput(`\`${argument}\` must be an integer from ${min} to ${max}, got ${value}`, argument);
  }
  return value;
}
