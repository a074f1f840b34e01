import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Masks a phone number for logs: keeps the country code and the last two digits, which
 * is enough to tell calls apart in an incident without storing who called.
 */
export function maskPhone(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0) return '';
  const digits = raw.replace(/[^\d+]/g, '');
  if (digits.length <= 5) return '***';
  return `${digits.slice(0, 4)}${'*'.repeat(Math.max(3, digits.length - 6))}${digits.slice(-2)}`;
}

// Every place a caller's number, a free-text field or a PIN can appear in a log line.
const PII_PATHS = [
  'from', 'to', 'phone', 'e164', 'From', 'To', 'Caller', 'Called',
  '*.from', '*.to', '*.phone', '*.e164', '*.From', '*.To', '*.Caller', '*.Called',
  'req.body', 'body', 'name', '*.name', 'text', '*.text', 'SpeechResult', '*.SpeechResult', 'Digits', '*.Digits',
  'pin', '*.pin',
];

// An HTTP client's error (axios, under the twilio package) carries the request it made: its
// headers hold the account's credentials (Basic auth) and its form body the number dialled,
// URL-encoded where no redaction path or mask can see it. What went wrong stays: type,
// message, code, status, stack.
const REQUEST_PARTS = ['config', 'request', 'response', '$response', 'headers'];

function withoutRequest(serialized: Record<string, unknown>, proto: object): Record<string, unknown> {
  for (const key of REQUEST_PARTS) delete serialized[key];
  for (const value of Object.values(serialized)) {
    const nested = Array.isArray(value) ? value : [value];
    for (const v of nested) if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === proto) withoutRequest(v as Record<string, unknown>, proto);
  }
  return serialized;
}

/** pino's error serializer, less the request an HTTP client's error carries. */
export function serializeError(err: unknown): unknown {
  const serialized = pino.stdSerializers.err(err as Error) as unknown;
  if (serialized === err || serialized === null || typeof serialized !== 'object') return serialized;
  return withoutRequest(serialized as Record<string, unknown>, Object.getPrototypeOf(serialized) as object);
}

/** Builds the process logger: JSON lines, caller numbers masked, free text removed. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      serializers: { err: serializeError },
      redact: {
        paths: PII_PATHS,
        censor: (value, path) => {
          const key = path[path.length - 1] ?? '';
          return /^(from|to|phone|e164|caller|called)$/i.test(key) ? maskPhone(value) : '[redacted]';
        },
      },
    },
    destination,
  );
}
