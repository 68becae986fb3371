import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the seeded template lives: a PostgreSQL database name, or a PGlite data directory. */
export const TEMPLATE_ENV = 'CHOMMIE_TEST_TEMPLATE';

export const pgUrl = () => process.env.TEST_DATABASE_URL || undefined;

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

export const tempDir = (prefix: string) => join(tmpdir(), uniqueName(prefix));
