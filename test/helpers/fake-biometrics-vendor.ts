/**
 * A voice-biometrics vendor for tests (and, through scripts/demo-vendor.ts, for people):
 * a real HTTP server speaking DESIGN.md's contract, signed both ways. It is a stand-in, not
 * a voice engine: it decides from the markers of scripts/demo-voice-audio.ts in the audio.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyDemoAudio, type DemoVoice } from '../../scripts/demo-voice-audio.js';
import { BIOMETRICS_SIGNATURE_HEADER, signBiometricsBody, verifyBiometricsSignature } from '../../src/biometrics/vendor-signature.js';
import type { VendorResult } from '../../src/biometrics/voice-types.js';

/**
 * honest: decides at once (after `latencyMs`); slow: answers after `slowMs`; failing: 500;
 * lying_signature: a result signed with another secret; lying_garbage: a 200 that is not a
 * result; async: 202, then the result on the callback URL.
 */
export type VendorMode = 'honest' | 'slow' | 'failing' | 'lying_signature' | 'lying_garbage' | 'async';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (POST), undefined otherwise. */
  body: unknown;
  signatureValid: boolean;
}

export interface FakeVendor {
  url: string;
  mode: VendorMode;
  /** Added to every honest answer (the benchmark's vendor answers in 50 ms). */
  latencyMs: number;
  slowMs: number;
  /** Fail this many DELETEs with a 500 before confirming. */
  deleteFailures: number;
  /** Where async results are posted instead of the callbackUrl's origin (the test app's port). */
  callbackBase?: string;
  /** Sign 200 answers (a vendor may not). */
  signAnswers: boolean;
  /** Net speech needed, by the vendor's own count. */
  minSpeechSeconds: { verify: number; enrol: number };
  readonly requests: RecordedRequest[];
  /** Speaker id -> the demo voice enrolled for it. */
  readonly enrolled: Map<string, DemoVoice>;
  /** Speakers the vendor's own fraud list flags. */
  readonly watchlist: Set<string>;
  /** Statuses our app answered to the async callbacks. */
  readonly callbacks: Array<{ requestId: string; status: number }>;
  /** Per answered POST: ms from the request's last byte to the answer (the vendor's own time). */
  readonly serviceTimes: number[];
  /** Resolves once every async callback sent so far has been answered. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function decideDemo(vendor: Pick<FakeVendor, 'enrolled' | 'watchlist' | 'minSpeechSeconds'>, kind: 'verify' | 'enrol', body: { requestId: string; speakerId: string; audio: Record<string, unknown> }): VendorResult {
  const { voice, seconds } =
    typeof body.audio.data === 'string' ? classifyDemoAudio(Buffer.from(body.audio.data, 'base64')) : { voice: 'genuine' as const, seconds: 30 }; // KVS: the stand-in cannot read Kinesis
  const watchlistHit = vendor.watchlist.has(body.speakerId);
  const result = (decision: VendorResult['decision'], score: number, spoof = false): VendorResult => ({
    requestId: body.requestId,
    decision,
    score,
    spoof,
    fraud: { watchlistHit, risk: watchlistHit || spoof ? 0.95 : 0.05 },
  });
  if (voice === 'unknown' || seconds < vendor.minSpeechSeconds[kind]) return result('not_enough_speech', 0);
  if (kind === 'enrol') {
    if (voice !== 'spoof' && !watchlistHit) vendor.enrolled.set(body.speakerId, voice);
    return result('match', voice === 'spoof' ? 0.9 : 0.97, voice === 'spoof');
  }
  const enrolledVoice = vendor.enrolled.get(body.speakerId);
  if (!enrolledVoice) return result('not_enrolled', 0);
  if (voice === 'spoof') return result('match', 0.91, true);
  return voice === enrolledVoice ? result('match', 0.95) : result('no_match', 0.18);
}

export async function startFakeBiometricsVendor(opts: {
  secret: string;
  now?: () => Date;
  mode?: VendorMode;
  port?: number;
  host?: string;
  /** Told of every request (the demo prints them): never the audio. */
  onRequest?: (e: { method: string; path: string; signatureValid: boolean; requestId?: string; result?: VendorResult; status?: number }) => void;
}): Promise<FakeVendor> {
  const now = opts.now ?? (() => new Date());
  const pendingCallbacks = new Set<Promise<void>>();

  const sendSigned = (res: http.ServerResponse, status: number, json: string, secret = opts.secret) => {
    res.writeHead(status, { 'content-type': 'application/json', [BIOMETRICS_SIGNATURE_HEADER]: signBiometricsBody(secret, json, now()) });
    res.end(json);
  };

  async function postCallback(callbackUrl: string, result: VendorResult): Promise<void> {
    const target = new URL(callbackUrl);
    const url = vendor.callbackBase ? `${vendor.callbackBase.replace(/\/+$/, '')}${target.pathname}` : callbackUrl;
    const json = JSON.stringify(result);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [BIOMETRICS_SIGNATURE_HEADER]: signBiometricsBody(opts.secret, json, now()) }, body: json });
      await res.body?.cancel();
      vendor.callbacks.push({ requestId: result.requestId, status: res.status });
    } catch {
      vendor.callbacks.push({ requestId: result.requestId, status: 0 });
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer, receivedAt: number): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://vendor').pathname;
    const signatureValid = verifyBiometricsSignature(opts.secret, raw, req.headers[BIOMETRICS_SIGNATURE_HEADER.toLowerCase()] as string | undefined, now()).ok;
    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
    }
    vendor.requests.push({ method: req.method ?? '', path, headers: req.headers, body, signatureValid });
    res.on('finish', () => opts.onRequest?.({ method: req.method ?? '', path, signatureValid, requestId: (body as { requestId?: string } | undefined)?.requestId, status: res.statusCode }));
    if (!signatureValid) return void sendSigned(res, 401, JSON.stringify({ error: 'bad signature' }));

    const speaker = /^\/speakers\/([^/]+)$/.exec(path);
    if (req.method === 'DELETE' && speaker) {
      if (vendor.deleteFailures > 0) {
        vendor.deleteFailures--;
        res.writeHead(500).end();
        return;
      }
      vendor.enrolled.delete(decodeURIComponent(speaker[1]!));
      res.writeHead(204).end();
      return;
    }
    const kind = req.method === 'POST' && path === '/verifications' ? 'verify' : req.method === 'POST' && path === '/enrollments' ? 'enrol' : undefined;
    const request = body as { requestId: string; speakerId: string; audio: Record<string, unknown>; callbackUrl: string } | undefined;
    if (!kind || !request?.requestId || !request.speakerId || !request.audio) return void sendSigned(res, kind ? 400 : 404, JSON.stringify({ error: 'not a request' }));

    switch (vendor.mode) {
      case 'failing':
        res.writeHead(500).end('internal error');
        return;
      case 'lying_garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>definitely a match</html>');
        return;
      case 'lying_signature':
        return void sendSigned(res, 200, JSON.stringify(decideDemo(vendor, kind, request)), 'not-the-shared-secret');
      case 'async': {
        res.writeHead(202).end();
        const result = decideDemo(vendor, kind, request);
        const p = sleep(5).then(() => postCallback(request.callbackUrl, result));
        pendingCallbacks.add(p);
        void p.finally(() => pendingCallbacks.delete(p));
        return;
      }
      case 'slow':
        await sleep(vendor.slowMs);
        break;
      case 'honest':
        if (vendor.latencyMs > 0) await sleep(vendor.latencyMs);
        break;
    }
    const decided = decideDemo(vendor, kind, request);
    opts.onRequest?.({ method: 'decision', path, signatureValid, requestId: request.requestId, result: decided });
    const json = JSON.stringify(decided);
    if (res.destroyed) return;
    if (vendor.signAnswers) sendSigned(res, 200, json);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(json);
    vendor.serviceTimes.push(performance.now() - receivedAt);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks), performance.now()).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const vendor: FakeVendor = {
    url: `http://127.0.0.1:${port}`,
    mode: opts.mode ?? 'honest',
    latencyMs: 0,
    slowMs: 10_000,
    deleteFailures: 0,
    signAnswers: true,
    minSpeechSeconds: { verify: 4, enrol: 8 },
    requests: [],
    enrolled: new Map(),
    watchlist: new Set(),
    callbacks: [],
    serviceTimes: [],
    async settled() {
      await Promise.all([...pendingCallbacks]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return vendor;
}
