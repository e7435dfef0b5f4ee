/**
 * Structured logging: one JSON line per event. Callers pass an event name and a few named fields; they never pass
 * a token, a secret or a whole envelope, and the field names below are refused outright as a second line of defence.
 */
import type { LogLevel } from './config.js';

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Field names that would only ever hold credentials; their values are replaced before anything is written. */
const CREDENTIAL_FIELDS = /token|secret|password|authorization|signature|cookie/i;

export type LogSink = (line: string) => void;

export function createLogger(level: LogLevel, sink: LogSink = (line) => process.stdout.write(`${line}\n`)): Logger {
  const threshold = RANK[level];
  const write = (lvl: Exclude<LogLevel, 'silent'>) => (event: string, fields: LogFields = {}) => {
    if (RANK[lvl] < threshold) return;
    const record: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, event };
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      record[key] = CREDENTIAL_FIELDS.test(key) ? '[redacted]' : value;
    }
    sink(JSON.stringify(record));
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** For tests: a logger whose lines are kept in memory, so assertions can read exactly what would have been written. */
export function createMemoryLogger(level: LogLevel = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger(level, (line) => lines.push(line)), { lines });
}
