import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleAll,
  handleWhen,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import { BIOMETRICS_SIGNATURE_HEADER, signBiometricsBody, verifyBiometricsSignature } from './vendor-signature.js';
import { ZVendorResult } from './vendor-schemas.js';
import type { VendorResult } from './voice-types.js';

/** Audio we buffered from a media stream, or where the vendor reads it itself (Connect's Kinesis Video Stream). */
export type VendorAudio = { kind: 'mulaw'; bytes: Buffer } | { kind: 'kvs'; streamArn: string; startFragmentNumber: string };

export type VendorFailure = 'timeout' | 'vendor_error' | 'circuit_open' | 'bad_response';

export type SubmitAnswer =
  | { status: 'result'; result: VendorResult }
  /** 202: the result comes later on POST /webhooks/biometrics/result. */
  | { status: 'accepted' }
  | { status: 'unavailable'; reason: VendorFailure };

export interface VendorClient {
  /** POST /verifications or /enrollments, signed, within the deadline and behind the circuit breaker. */
  submit(kind: 'verify' | 'enrol', req: { requestId: string; speakerId: string; audio: VendorAudio }): Promise<SubmitAnswer>;
  /** DELETE /speakers/{id}; a 404 counts as deleted (the vendor holds nothing for it). */
  deleteSpeaker(speakerId: string): Promise<{ deleted: true } | { deleted: false; error: string }>;
  /** True while the breaker refuses calls: a verdict cannot come from this node now. */
  breakerOpen(): boolean;
}

export interface VendorClientOptions {
  vendorUrl: string;
  secret: string;
  /** Where the vendor posts a later result: PUBLIC_BASE_URL + /webhooks/biometrics/result. */
  callbackUrl: string;
  now: () => Date;
  /** Per request, connect to last byte. */
  deadlineMs: number;
  /** Consecutive failures that open the breaker (default 5). */
  breakerFailures?: number;
  /** How long the breaker stays open before one trial call (default 10 s). */
  breakerHalfOpenMs?: number;
  /** The largest answer body read (default 64 KiB): a result is a few hundred bytes. */
  maxResponseBytes?: number;
}

/** A 200 that is not a result we can trust: counted by the breaker like a 5xx. */
class BadResponse extends Error {
  override name = 'BadResponse';
}
class VendorStatus extends Error {
  override name = 'VendorStatus';
  constructor(readonly status: number) {
    super(`vendor answered ${status}`);
  }
}

async function readCapped(res: Response, max: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) {
    await res.body?.cancel();
    throw new BadResponse('answer too large');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > max) throw new BadResponse('answer too large');
      chunks.push(Buffer.from(chunk));
    }
  }
  return Buffer.concat(chunks);
}

/**
 * A kept-alive connection the vendor closed just as we reused it: the request never reached
 * it, so sending it again is safe (and the vendor keys its work by requestId anyway).
 */
function isStaleConnection(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  return err instanceof TypeError && typeof cause?.code === 'string' && ['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'].includes(cause.code);
}

function failureOf(err: unknown): VendorFailure {
  if (err instanceof BrokenCircuitError) return 'circuit_open';
  if (err instanceof TaskCancelledError) return 'timeout';
  if (err instanceof BadResponse) return 'bad_response';
  return 'vendor_error';
}

/**
 * The shipped HTTP adapter for DESIGN.md's vendor contract. A slow, failing or lying vendor
 * gives `unavailable` within the deadline (and at once while the breaker is open), so the
 * IVR goes to the PIN path instead of holding the caller.
 */
export function createVendorClient(opts: VendorClientOptions): VendorClient {
  const base = opts.vendorUrl.replace(/\/+$/, '');
  const maxBytes = opts.maxResponseBytes ?? 64 * 1024;
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: opts.breakerHalfOpenMs ?? 10_000,
    breaker: new ConsecutiveBreaker(opts.breakerFailures ?? 5),
  });
  // Aggressive: the caller gets its answer at the deadline even if the socket hangs on.
  const deadline = timeout(opts.deadlineMs, TimeoutStrategy.Aggressive);
  const guarded = wrap(breaker, deadline, retry(handleWhen(isStaleConnection), { maxAttempts: 1 }));

  async function signedFetch(method: 'POST' | 'DELETE', path: string, body: string, signal: AbortSignal): Promise<Response> {
    return fetch(`${base}${path}`, {
      method,
      signal,
      headers: {
        'content-type': 'application/json',
        [BIOMETRICS_SIGNATURE_HEADER]: signBiometricsBody(opts.secret, body, opts.now()),
      },
      ...(method === 'POST' ? { body } : {}),
    });
  }

  return {
    async submit(kind, req) {
      const audio =
        req.audio.kind === 'mulaw'
          ? { encoding: 'audio/x-mulaw', sampleRate: 8000, data: req.audio.bytes.toString('base64') }
          : { kvsStreamArn: req.audio.streamArn, startFragmentNumber: req.audio.startFragmentNumber };
      const body = JSON.stringify({ requestId: req.requestId, speakerId: req.speakerId, audio, callbackUrl: opts.callbackUrl });
      const path = kind === 'verify' ? '/verifications' : '/enrollments';
      try {
        return await guarded.execute(async ({ signal }): Promise<SubmitAnswer> => {
          const res = await signedFetch('POST', path, body, signal);
          if (res.status === 202) {
            await res.body?.cancel();
            return { status: 'accepted' };
          }
          if (res.status !== 200) {
            await res.body?.cancel();
            throw new VendorStatus(res.status);
          }
          const raw = await readCapped(res, maxBytes);
          const signature = res.headers.get(BIOMETRICS_SIGNATURE_HEADER);
          // Vendors that sign their answers are held to it; a forged or stale one is a lie.
          if (signature !== null && !verifyBiometricsSignature(opts.secret, raw, signature, opts.now()).ok) throw new BadResponse('answer signature');
          let json: unknown;
          try {
            json = JSON.parse(raw.toString('utf8'));
          } catch {
            throw new BadResponse('answer is not JSON');
          }
          const parsed = ZVendorResult.safeParse(json);
          if (!parsed.success || parsed.data.requestId !== req.requestId) throw new BadResponse('answer is not a result for this request');
          return { status: 'result', result: parsed.data };
        });
      } catch (err) {
        return { status: 'unavailable', reason: failureOf(err) };
      }
    },

    async deleteSpeaker(speakerId) {
      try {
        // Not behind the breaker: deletions are retried by their own loop with a backoff, and a
        // failing DELETE must not close the verification path (nor an open breaker stall erasure).
        return await deadline.execute(async ({ signal }) => {
          const res = await signedFetch('DELETE', `/speakers/${encodeURIComponent(speakerId)}`, '', signal);
          await res.body?.cancel();
          if (res.status === 404 || (res.status >= 200 && res.status < 300)) return { deleted: true as const };
          return { deleted: false as const, error: `vendor answered ${res.status}` };
        });
      } catch (err) {
        return { deleted: false, error: failureOf(err) === 'timeout' ? 'timeout' : 'vendor unreachable' };
      }
    },

    breakerOpen: () => breaker.state === CircuitState.Open || breaker.state === CircuitState.Isolated,
  };
}
