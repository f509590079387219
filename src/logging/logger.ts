/**
 * The engine's log: one JSON object per line on stderr (pino), with `level`, `time` (ISO-8601),
 * `component` (ari, ami, calls, config, admin, ...) and `msg`, at LOG_LEVEL (default info). Every
 * line passes through the redactor first: phone numbers keep their last 4 digits and secrets are
 * masked, whatever the message says. Read it as text with `| npx pino-pretty`.
 * Only this folder imports pino; the rest of the engine sees the small Logger below.
 */
import { pino } from 'pino';
import { redactor } from './redact.js';

/** The levels, quietest last; `silent` logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Extra fields of a line (call id, channel, queue, err...). Never a caller's number on purpose: the redactor is a safety net. */
export type LogFields = Readonly<Record<string, unknown>>;

export interface LogMethod {
  /** Writes `message` with `fields`; an `err` field is serialised with its message and stack. */
  (fields: LogFields, message: string): void;
  /** Writes `message`. */
  (message: string): void;
}

export interface Logger {
  readonly trace: LogMethod;
  readonly debug: LogMethod;
  readonly info: LogMethod;
  readonly warn: LogMethod;
  readonly error: LogMethod;
  readonly fatal: LogMethod;
  /** A logger whose lines all carry `bindings` (e.g. `{ component: 'calls', call, channel }`). */
  child(bindings: LogFields): Logger;
}

/** Where finished lines go (a file descriptor's stream, or an array in tests). */
export interface LineSink {
  /** Receives one finished line, newline included. */
  write(line: string): unknown;
}

export interface LoggerOptions {
  /** LOG_LEVEL; default info. */
  readonly level?: string | undefined;
  /** Default: stderr, written synchronously so that the last lines before a crash are kept. */
  readonly destination?: LineSink;
  /** Values never to write (passwords, tokens). */
  readonly secrets?: readonly string[];
}

/** A LOG_LEVEL value that is not a level. */
export class LogLevelError extends Error {
  readonly code = 'bad-log-level';
}

/** The level named by LOG_LEVEL (case-insensitive; empty means info), or an error saying which levels exist. */
export function logLevel(value: string | undefined): LogLevel {
  const v = (value ?? '').trim().toLowerCase() || 'info';
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new LogLevelError(`LOG_LEVEL '${value}' is not a level; use one of ${LOG_LEVELS.join(', ')}`);
}

type Pino = ReturnType<typeof pino>;

function wrap(p: Pino): Logger {
  const method =
    (level: Exclude<LogLevel, 'silent'>): LogMethod =>
    (a: LogFields | string, message?: string) =>
      typeof a === 'string' ? p[level](a) : p[level](a, message);
  return {
    trace: method('trace'),
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    fatal: method('fatal'),
    child: (bindings) => wrap(p.child(bindings)),
  };
}

/** A JSON-lines logger with redaction; throws LogLevelError for a bad level. */
export function createLogger(o: LoggerOptions = {}): Logger {
  const redact = redactor(o.secrets ?? []);
  const sink: LineSink = o.destination ?? pino.destination({ dest: 2, sync: true });
  const stream = { write: (line: string) => void sink.write(redact.line(line)) };
  return wrap(
    pino(
      {
        level: logLevel(o.level),
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      stream,
    ),
  );
}

/**
 * A Logger over a plain `(message) => void` (tests and tools that collect text): each line is the
 * message alone, so text written before structured logging reads the same.
 */
export function textLogger(log: (message: string) => void): Logger {
  const method: LogMethod = (a: LogFields | string, message?: string) => log(typeof a === 'string' ? a : (message ?? ''));
  const self: Logger = { trace: method, debug: method, info: method, warn: method, error: method, fatal: method, child: () => self };
  return self;
}

/** A `(message, fields?) => void` log, as adapters and handlers take it. */
export type LineLog = (message: string, fields?: LogFields) => void;

/**
 * The `(message, fields?) => void` the adapters and handlers take, writing through `logger`: a
 * message that starts with `warning:` is a warning, one that starts with `error:` an error,
 * anything else info (explicit levels come with the Logger itself).
 */
export function lineLog(logger: Logger): LineLog {
  return (m, fields) => {
    const level = /^warning:/i.test(m) ? 'warn' : /^error:/i.test(m) ? 'error' : 'info';
    if (fields) logger[level](fields, m);
    else logger[level](m);
  };
}
