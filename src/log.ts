import pino, { type Logger } from 'pino';
import type { Config } from './config';

export type { Logger };

/**
 * JSON lines on stdout (pino). Secrets never reach a log line: whatever carries a token or
 * a password under one of these names is replaced by "[redacted]", and URLs are logged by
 * host only (see main.ts).
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      base: { pid: process.pid },
      redact: { paths: ['authorization', 'token', 'password', '*.authorization', '*.token', '*.password', 'headers.cookie'], censor: '[redacted]' },
    },
    destination,
  );
}

/** The `(message, error)` callback the cache and limiter take, writing to `log`. */
export const warnTo = (log: Logger) => (msg: string, err?: unknown) => (err ? log.warn({ err }, msg) : log.info(msg));
