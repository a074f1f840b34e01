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

/** Builds the process logger: JSON lines, caller numbers masked, free text removed. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
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
