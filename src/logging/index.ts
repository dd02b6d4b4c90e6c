/**
 * The one logger: one JSON object per line on stdout (`LOG_FORMAT=json`, the default outside `npm run dev`),
 * or one readable line (`pretty`). Every line has `time`, `level` and `msg`, then its context — `managementId`,
 * `connectionId`, `workflowId`, … — given by `child()` where it is known. Fields whose name says they hold a
 * secret are never written, whoever passes them: only IDs and counts belong in a log line.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'pretty';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** The same logger with `fields` on every line. */
  child(fields: LogFields): Logger;
}

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Names of fields that would hold a credential; their values are replaced, not written. */
const SECRET_FIELD = /secret|token|password|passwd|authorization|cookie|client_?id|api_?key|smtp_?url|database_?url/i;
const REDACTED = '[redacted]';

export interface LoggerOptions {
  format?: LogFormat;
  /** Lines below it are dropped. */
  level?: LogLevel;
  /** Where each line goes (with its newline); stdout by default. */
  write?: (line: string) => void;
  now?: () => Date;
}

export function createLogger({ format = 'json', level = 'info', write = (line) => void process.stdout.write(line), now = () => new Date() }: LoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const make = (context: LogFields): Logger => {
    const emit = (lineLevel: LogLevel) => (msg: string, fields: LogFields = {}) => {
      if (LOG_LEVELS.indexOf(lineLevel) < threshold) return;
      const entry = { time: now().toISOString(), level: lineLevel, msg, ...safeFields({ ...context, ...fields }) };
      write(`${format === 'json' ? JSON.stringify(entry) : pretty(entry)}\n`);
    };
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (fields) => make({ ...context, ...fields }),
    };
  };
  return make({});
}

/** A logger that writes nothing, for parts built outside the composition root. */
export const silentLogger: Logger = createLogger({ write: () => undefined });

/** Values a JSON line can hold: errors by their message (and name), secrets replaced, undefined left out. */
function safeFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (SECRET_FIELD.test(key)) out[key] = REDACTED;
    else if (value instanceof Error) out[key] = value.name === 'Error' ? value.message : `${value.name}: ${value.message}`;
    else out[key] = value;
  }
  return out;
}

function pretty({ time, level, msg, ...fields }: { time: string; level: string; msg: string } & LogFields): string {
  const rest = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [time.slice(11, 23), level.toUpperCase().padEnd(5), msg, ...rest].join(' ');
}
