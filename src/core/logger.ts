// One JSON line per event on stderr, by pino. Callers pass structured fields, never request bodies
// or headers; redaction by configuration is the second line of defence: an Authorization header,
// a token or an answer that reaches a log call anyway is written as "[redacted]".
// Written through process.stderr (not pino's own file descriptor writer): logs are rare events
// (the read hot path logs nothing per request), and tests capture stderr to check them.
import { pino } from 'pino';
import type { LogLevel } from './config.ts';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose every line also carries these fields (a request's id, say). */
  child(fields: Record<string, unknown>): Logger;
}

/** Paths pino censors wherever they appear in a line's fields (one level deep, and at the top). */
const REDACTED = [
  'authorization', 'headers.authorization', 'req.headers.authorization', '*.authorization',
  'token', '*.token', 'adminToken', '*.adminToken', 'answer', '*.answer', 'answers', '*.answers',
];

export function createLogger(component: string, level: LogLevel): Logger {
  const root = pino({
    level,
    base: { component },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED, censor: '[redacted]' },
    // Errors are made plain below (pino's own serializer would add the stack).
    serializers: { err: (value: unknown) => value },
  }, process.stderr);
  return wrap(root);
}

function wrap(log: pino.Logger): Logger {
  const at = (write: pino.LogFn) => (msg: string, fields?: Record<string, unknown>) => {
    if (fields) write.call(log, plain(fields), msg);
    else write.call(log, msg);
  };
  return {
    debug: at(log.debug), info: at(log.info), warn: at(log.warn), error: at(log.error),
    child: (fields) => wrap(log.child(fields)),
  };
}

/**
 * Errors become what is safe and useful to read: their message, code (a driver error's SQLSTATE
 * or a socket's errno name) and class. Not their stack or properties, where a driver may keep the
 * parameters of the statement that failed.
 */
function plain(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error
      ? { type: value.name, message: value.message, code: (value as { code?: unknown }).code ?? (value as { sqlstate?: unknown }).sqlstate }
      : value;
  }
  return out;
}
