import { createReadStream } from 'node:fs';
import { CsvError, parse } from 'csv-parse';

export class FeedError extends Error {}

/**
 * Records of a CSV file as objects keyed by its header, with the line each record starts on.
 * Structural damage (an unclosed quote, a truncated file, a ragged row) stops the read with
 * a FeedError naming the line; missing columns are reported before the first record.
 */
export async function* readCsv(path: string, required: string[]): AsyncGenerator<{ line: number; record: Record<string, string> }> {
  const parser = createReadStream(path).pipe(parse({ columns: true, info: true, bom: true, skip_empty_lines: true }));
  let nextLine = 2;
  let checked = false;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (!checked) {
        const missing = required.filter((c) => !(c in record));
        if (missing.length) throw new FeedError(`${path} is not in the expected format: missing column(s) ${missing.join(', ')}`);
        checked = true;
      }
      yield { line: nextLine, record };
      nextLine = info.lines + 1;
    }
  } catch (err) {
    if (err instanceof FeedError) throw err;
    if (err instanceof CsvError) {
      const e = err as CsvError & { lines?: number };
      // Unparseable before the first record: most likely not this kind of file at all.
      if (!checked) throw new FeedError(`${path} is not in the expected format: ${e.message}`);
      throw new FeedError(`${path}: broken CSV near line ${e.lines ?? nextLine}: ${e.message}`);
    }
    throw err;
  }
}
