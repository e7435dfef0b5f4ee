/**
 * Structured logging: one JSON line per event. Callers pass an event name and a few named fields; they never pass
 * a token, a secret or a whole envelope; as a second line of defence, a field whose name says it holds a credential
 * (CREDENTIAL_FIELDS) is written as "[redacted]".
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

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

/** An error as a log line may show it: its name and where it was thrown (`at`), never its message. */
export function errorFields(error: unknown): { error: string; at: string | undefined } {
  return error instanceof Error ? { error: error.name, at: stackFrames(error) } : { error: typeof error, at: undefined };
}

/** A stack frame as V8 writes it: `    at fn (file:line:column)` or `    at file:line:column`. */
const FRAME = /^\s+at (?:.*\()?([^\s()]+):(\d+):(\d+)\)?$/;

/**
 * Where an error was thrown, as `file:line:column` frames (innermost first, node internals left out, paths relative
 * to the working directory): enough to find a bug from the log without its message, which may hold user data. The
 * message is skipped before frames are read, so a message that looks like a frame cannot smuggle text in.
 */
export function stackFrames(error: Error, limit = 5): string | undefined {
  const stack = typeof error.stack === 'string' ? error.stack : '';
  const messageAt = stack.indexOf(error.message);
  const afterMessage = messageAt < 0 ? stack : stack.slice(messageAt + error.message.length);
  const cwd = `${process.cwd()}/`;
  const frames: string[] = [];
  for (const line of afterMessage.split('\n')) {
    const [, file, lineNumber, column] = FRAME.exec(line) ?? [];
    if (file === undefined || file.startsWith('node:')) continue;
    const path = file.replace(/^file:\/\//, '');
    frames.push(`${path.startsWith(cwd) ? path.slice(cwd.length) : path}:${lineNumber}:${column}`);
    if (frames.length === limit) break;
  }
  return frames.length === 0 ? undefined : frames.join(' < ');
}
