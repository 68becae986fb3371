import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config';

export type { Logger };

type LogConfig = Pick<Config, 'LOG_LEVEL'> & Partial<Pick<Config, 'LOG_FORMAT'>>;

/**
 * pino, on stdout (or `destination`): JSON lines, or one human-readable line per entry when
 * LOG_FORMAT=pretty or, unset, when the output is a terminal (a person is reading it, not a
 * log shipper). Secrets never reach a log line: whatever carries a token or a password under
 * one of these names is replaced by "[redacted]" before either format sees it, and URLs are
 * logged by host only (see main.ts).
 */
export function createLogger(config: LogConfig, destination?: pino.DestinationStream): Logger {
  const out = destination ?? process.stdout;
  const isTty = (out as { isTTY?: boolean }).isTTY === true;
  const format = config.LOG_FORMAT ?? (isTty ? 'pretty' : 'json');
  return pino(
    {
      level: config.LOG_LEVEL,
      base: { pid: process.pid },
      redact: { paths: ['authorization', 'token', 'password', '*.authorization', '*.token', '*.password', 'headers.cookie'], censor: '[redacted]' },
    },
    format === 'pretty'
      ? // In-process and synchronous (no transport worker): a line written just before exit is not lost.
        pretty({
          destination: destination ?? 1,
          sync: true,
          colorize: isTty,
          singleLine: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
        })
      : destination,
  );
}

/** The `(message, error)` callback the cache and limiter take, writing to `log`. */
export const warnTo = (log: Logger) => (msg: string, err?: unknown) => (err ? log.warn({ err }, msg) : log.info(msg));
