import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeIf } from './skip';

/** The real job feeds (../shared/data/jobs beside the checkout); never copied into the repo. */
export const FEEDS = resolve(__dirname, '../../../shared/data/jobs');
export const GLASSDOOR = resolve(FEEDS, 'glassdoor-2020/jobs.csv');
export const LINKEDIN = resolve(FEEDS, 'linkedin-2023');

/** `describe` when the feeds are present; otherwise the block is skipped, saying why. */
export function describeWithFeeds(name: string, fn: () => void) {
  return describeIf(existsSync(GLASSDOOR) && existsSync(LINKEDIN), `the real job feeds are not at ${FEEDS}`)(name, fn);
}
