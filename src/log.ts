import { writeSync } from 'node:fs';
import type { LogLevel } from './config-schema.js';
import { UserError } from './errors.js';
import { revealAll, type SecretLike, scrubExact } from './log-secrets.js';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  /** The same logger, also scrubbing these exact values (a request's own credentials) from every line. */
  withSecrets(values: readonly SecretLike[]): Logger;
  /**
   * One line per billable or destructive action, marked `"log":"audit"` so it can be routed apart,
   * written at any level but silent. Never a key, a prompt or a result: only the fields below.
   */
  audit(action: AuditAction, fields: AuditFields): void;
}

export type AuditAction = 'submit' | 'confirm' | 'cancel' | 'delete' | 'upload';
export interface AuditFields {
  tenant: string;
  outcome: string;
  tool?: string | undefined;
  model?: string | undefined;
  request_id?: string | undefined;
  estimate_usd?: number | undefined;
  /** Why a refusal: a short code (over_cap, over_budget, needs_confirmation, …). */
  reason?: string | undefined;
  content_type?: string | undefined;
  size?: number | undefined;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

// Belt and braces: keys never reach the logger by design (Secret), but anything
// shaped like a credential is scrubbed from every string before it is written.
const CREDENTIAL_PATTERNS: RegExp[] = [
  /\b(Key|Bearer|Basic)\s+[A-Za-z0-9._~+/=:-]{8,}/gi,
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{16,}\b/gi,
  /([?&](?:key|token|api_key|apikey|access_token|fal_key)=)[^&\s"']+/gi,
];
const SENSITIVE_FIELD = /^(authorization|x-fal-key|cookie|set-cookie|fal_key|key|token|password|secret)$/i;

export function scrub(text: string): string {
  let out = text;
  for (const pattern of CREDENTIAL_PATTERNS) {
    // A pattern without a group hands the match's offset (a number) where a group would be: not a prefix.
    out = out.replace(pattern, (_m, group: unknown) => {
      const prefix = typeof group === 'string' ? group : '';
      return /[?&]/.test(prefix) ? `${prefix}[redacted]` : `${prefix ? `${prefix} ` : ''}[redacted]`;
    });
  }
  return out;
}

/** Longest string a log line carries of any one value; what a client sent can be megabytes. */
const MAX_LOGGED_CHARS = 2000;

/** At most the first `max` characters of a value a client sent, saying how long it was. */
export function prefixOf(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

function sanitize(value: unknown, secrets: readonly string[], depth = 0): unknown {
  const clean = (text: string) => scrub(scrubExact(prefixOf(text, MAX_LOGGED_CHARS), secrets));
  if (typeof value === 'string') return clean(value);
  if (value instanceof Error) {
    // A caller's mistake needs its message only; anything else its stack and cause, to be fixed.
    if (value instanceof UserError) return { name: value.name, message: clean(value.message) };
    return {
      name: value.name,
      message: clean(value.message),
      ...(value.stack ? { stack: clean(value.stack) } : {}),
      ...(value.cause !== undefined && depth < 4 ? { cause: sanitize(value.cause, secrets, depth + 1) } : {}),
    };
  }
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((x) => sanitize(x, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SENSITIVE_FIELD.test(k) ? '[redacted]' : sanitize(v, secrets, depth + 1);
  }
  return out;
}

export type LogSink = (line: string) => void;

/**
 * Lines are gathered and written once per event-loop turn: under load one write
 * (one syscall) carries many lines instead of one each, which was ~10% of a
 * cached call's CPU. Flushed synchronously when the process exits (also after
 * process.exit() or an uncaught exception), so no line is lost.
 */
function bufferedStderr(): LogSink {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = pending.join('');
    pending = [];
    process.stderr.write(chunk);
  };
  process.once('exit', () => {
    if (pending.length > 0) writeSync(2, pending.join(''));
    pending = [];
  });
  return (line) => {
    pending.push(`${line}\n`);
    if (pending.length >= 256) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

let stderr: LogSink | undefined;
const stderrSink: LogSink = (line) => {
  stderr ??= bufferedStderr();
  stderr(line);
};

/**
 * Structured JSON logs, one object per line, on stderr by default. Every line is
 * scrubbed of `secrets` exactly (the operator's: FAL_KEY, access tokens, sealing
 * secrets; a request's logger adds that request's credentials), and of
 * credential shapes.
 */
export function createLogger(
  level: LogLevel,
  sink: LogSink = stderrSink,
  base: LogFields = {},
  secrets: readonly SecretLike[] = [],
): Logger {
  const threshold = ORDER[level];
  const write = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
    if (ORDER[lvl] < threshold) return;
    const known = revealAll(secrets);
    const record = sanitize({ time: new Date().toISOString(), level: lvl, msg, ...base, ...fields }, known);
    sink(JSON.stringify(record));
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger(level, sink, { ...base, ...fields }, secrets),
    withSecrets: (values) => createLogger(level, sink, base, [...secrets, ...values]),
    audit: (action, fields) => {
      if (level === 'silent') return;
      const known = revealAll(secrets);
      const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      sink(
        JSON.stringify(
          sanitize(
            { time: new Date().toISOString(), level: 'info', msg: 'audit', log: 'audit', action, ...defined },
            known,
          ),
        ),
      );
    },
  };
}
