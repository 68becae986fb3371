import { existsSync, statSync } from 'node:fs';
import { FeedError } from './csv';
import { glassdoor } from './formats/glassdoor';
import { jsonl } from './formats/jsonl';
import { linkedin } from './formats/linkedin';
import type { FeedRow } from './types';

export const FORMATS = { glassdoor, linkedin, jsonl } as const;
export type Format = keyof typeof FORMATS;

/** A folder is a LinkedIn feed, *.jsonl JSON Lines, *.csv a Glassdoor CSV. */
export function detectFormat(path: string): Format {
  if (statSync(path).isDirectory()) return 'linkedin';
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  if (/\.csv$/i.test(path)) return 'glassdoor';
  throw new FeedError(`cannot tell the format of ${path}: pass --format ${Object.keys(FORMATS).join('|')}`);
}

export function openFeed(path: string, format?: string): { format: Format; rows: AsyncIterable<FeedRow> } {
  if (!existsSync(path)) throw new FeedError(`${path} does not exist`);
  const f = (format ?? detectFormat(path)) as Format;
  if (!(f in FORMATS)) throw new FeedError(`unknown format ${JSON.stringify(format)}: use one of ${Object.keys(FORMATS).join(', ')}`);
  const isDir = statSync(path).isDirectory();
  if ((f === 'linkedin') !== isDir)
    throw new FeedError(`--format ${f} expects ${f === 'linkedin' ? 'a folder' : 'a file'}, and ${path} is ${isDir ? 'a folder' : 'a file'}`);
  return { format: f, rows: FORMATS[f](path) };
}
