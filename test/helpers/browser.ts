import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { describeIf } from './skip';

// Debian's Chromium (browser downloads are not possible here; .ci/run installs it).
export const CHROMIUM = '/usr/bin/chromium';

export const describeBrowser = describeIf(existsSync(CHROMIUM), `needs Chromium at ${CHROMIUM} (apt-get install chromium)`);

/** Chromium without a sandbox (we run as root) and without background traffic (no internet here). */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
