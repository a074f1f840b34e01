/** The store did not answer in time (our own deadline, not the driver's). */
export class StoreTimeoutError extends Error {
  override name = 'StoreTimeoutError';
}

// What node-postgres, pg-pool, the Prisma driver adapters and the network say when the
// database is away, rather than when it refused what we asked. Matched on text because
// the driver adapter re-wraps errors and keeps little else.
const UNAVAILABLE = [
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN/,
  /Connection terminated/i,
  /connection (?:is )?(?:closed|ended|refused|timeout)/i,
  /timeout exceeded when trying to connect/i,
  /Query read timeout/i,
  /canceling statement due to statement timeout/i,
  /Client has encountered a connection error/i,
  /the database system is (?:starting up|shutting down|in recovery mode)/i,
  /terminating connection/i,
  /Transaction API error|Unable to start a transaction in the given time|Transaction already closed/i,
  /(?:server|has) closed the connection/i,
  /Can't reach database server/i,
];
// What Prisma's driver adapters name the same situations (DriverAdapterError's cause.kind):
// a connection reset while a COMMIT is on the wire surfaces as "ConnectionClosed".
const UNAVAILABLE_KINDS = new Set(['ConnectionClosed', 'SocketTimeout', 'DatabaseNotReachable', 'TooManyConnections', 'TransactionAlreadyClosed']);
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', '57P01', '57P02', '57P03', '57014', '08000', '08001', '08003', '08006']);

/** True when an error means "the store is unreachable or too slow": worth keeping the write for later. */
export function isStoreUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof StoreTimeoutError) return true;
    const kind = (e as { kind?: unknown }).kind;
    if (typeof kind === 'string' && UNAVAILABLE_KINDS.has(kind)) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    const originalCode = (e as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } }).meta?.driverAdapterError?.cause?.originalCode;
    if (originalCode && UNAVAILABLE_CODES.has(originalCode)) return true;
    const message = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
    if (UNAVAILABLE_KINDS.has(message.trim())) return true;
    if (UNAVAILABLE.some((re) => re.test(message))) return true;
  }
  return false;
}

/** Rejects with StoreTimeoutError after `ms`; the work itself goes on (a database call cannot be withdrawn). */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
