import type http from 'node:http';
import type { Duplex } from 'node:stream';
import twilio from 'twilio';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import { createSpeechMeter } from '../../src/biometrics/speech-meter.js';
import type { VoiceBiometricsService } from '../../src/biometrics/voice-biometrics.js';
import type { Logger } from '../../src/logger.js';
import type { UpgradeHandler } from '../../src/realtime/upgrade-router.js';
import { findUnstorableText } from '../../src/storable-text.js';

/** Where `<Start><Stream>` points (DESIGN.md): wss://<PUBLIC_BASE_URL host>/webhooks/twilio/media. */
export const MEDIA_STREAM_PATH = '/webhooks/twilio/media';

/** Close codes a stream is ended with (Twilio logs them; our logs say which). */
export const MEDIA_CLOSE = {
  /** The audio was taken: closing the socket stops a `<Start><Stream>`; the call goes on. */
  done: 1000,
  goingAway: 1001,
  /** Not a Twilio Media Streams message: binary, not JSON, a known event of the wrong shape, or audio we cannot use. */
  unsupported: 1003,
  /** A valid message out of place: media before start, a request we never opened or already answered. */
  policy: 1008,
  /** Silence on the socket: no `start` in time after the upgrade, or no message in time once started (4408, as graphql-ws closes a late init). */
  timeout: 4408,
} as const;

export interface MediaStreamLimits {
  /** The largest WebSocket frame (ws closes with 1009 before buffering more). Twilio's are well under 1 KiB. */
  maxFrameBytes: number;
  /** The largest decoded audio chunk (Twilio sends 160 bytes, 20 ms). */
  maxChunkBytes: number;
  /** Audio held per stream, in seconds, whatever the speech count says (silence counts here). */
  maxBufferSeconds: number;
  /**
   * From the upgrade to `start`. Twilio sends `connected` and `start` as soon as the socket opens;
   * a signature covers only the URL, so a replayed one would otherwise hold a socket that never starts.
   */
  startTimeoutMs: number;
  /** Between messages once started: Twilio sends `media` every 20 ms while the call streams, so silence means the stream is gone. */
  idleTimeoutMs: number;
}

// 5 s for `start`: Twilio's arrives within milliseconds, the rest is room for a slow network or a
// paused node. 10 s idle: 500 missed 20 ms frames, far past jitter, short enough that held sockets
// (and their audio) cannot pile up.
const DEFAULT_LIMITS: MediaStreamLimits = { maxFrameBytes: 64 * 1024, maxChunkBytes: 8000, maxBufferSeconds: 120, startTimeoutMs: 5000, idleTimeoutMs: 10_000 };

const numeric = z.union([z.string().regex(/^\d{1,12}$/), z.number().int().nonnegative()]).transform(Number);
const ZStart = z.object({
  event: z.literal('start'),
  streamSid: z.string().min(1).max(64),
  start: z.object({
    callSid: z.string().min(1).max(64),
    // The request id is looked up in the database, which cannot hold a NUL byte: refused here, not met there as an outage.
    customParameters: z.record(z.string(), z.string().max(500).refine((v) => !findUnstorableText(v), 'contains a NUL byte or a lone surrogate')).optional(),
    mediaFormat: z.object({ encoding: z.string().max(64), sampleRate: numeric, channels: numeric }),
  }),
});
const ZMedia = z.object({
  event: z.literal('media'),
  media: z.object({
    payload: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
    track: z.string().max(32).optional(),
    chunk: numeric.optional(),
    timestamp: numeric.optional(),
  }),
});
const ZEvent = z.object({ event: z.string().max(64) });

export interface MediaStreamDeps {
  authToken: string;
  publicBaseUrl: string;
  voice: Pick<VoiceBiometricsService, 'streamTarget' | 'submitAudio' | 'noAudio'>;
  logger: Logger;
  limits?: Partial<MediaStreamLimits>;
}

export interface MediaStreams {
  handleUpgrade: UpgradeHandler;
  connectionCount(): number;
  /** Closes every stream (audio already collected is still sent to the vendor). */
  close(): Promise<void>;
}

/**
 * A close frame's reason holds at most 123 bytes of UTF-8, and ws throws on a longer one (an
 * uncaught exception, thrown from the frame's handler). Ours can quote a parameter name the
 * sender chose, in any script: cut whole characters until it fits.
 */
function closeReason(text: string): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    bytes += Buffer.byteLength(ch);
    if (bytes > 123) break;
    out += ch;
  }
  return out;
}

function refuse(socket: Duplex, message: string): void {
  const body = JSON.stringify({ error: { code: 'FORBIDDEN', message } });
  socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * Twilio Media Streams for voice biometrics: the caller's μ-law audio is held in memory
 * until the request's net-speech target (or the stream's end), handed to the vendor, and
 * the socket closed, which stops the stream. Audio never reaches a log, the disk or the
 * database; anything that is not a Twilio message closes that one socket with a code.
 */
export function createMediaStreams(deps: MediaStreamDeps): MediaStreams {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  // Twilio signs the stream's URL as written in <Stream url>: PUBLIC_BASE_URL with ws(s), no parameters.
  const wsBase = deps.publicBaseUrl.replace(/\/+$/, '').replace(/^http/i, 'ws');
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes });

  function session(ws: WebSocket): void {
    let phase: 'await_start' | 'starting' | 'collecting' | 'done' = 'await_start';
    let requestId = '';
    let streamSid = '';
    let targetSeconds = Infinity;
    const meter = createSpeechMeter();
    let chunks: Buffer[] = [];
    // Net speech after each chunk: audio that came in while the request was looked up is cut at the target.
    let speechAfter: number[] = [];
    let bytes = 0;
    let endedEarly: 'stop' | 'closed' | 'target' | 'buffer_full' | undefined;
    const maxBytes = limits.maxBufferSeconds * 8000;
    let deadline: NodeJS.Timeout | undefined;

    const end = (code: number, reason: string) => {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, closeReason(reason));
    };
    const drop = () => {
      for (const c of chunks) c.fill(0);
      chunks = [];
      speechAfter = [];
    };

    function finish(why: 'target' | 'buffer_full' | 'stop' | 'closed'): void {
      // The request is still being looked up: finish once it is known.
      if (phase === 'starting') {
        endedEarly ??= why;
        return;
      }
      if (phase !== 'collecting') {
        drop();
        phase = 'done';
        return;
      }
      phase = 'done';
      const audio = Buffer.concat(chunks, bytes);
      drop();
      deps.logger.info({ requestId, streamSid, why, audioSeconds: bytes / 8000, speechSeconds: meter.seconds() }, 'media stream audio handed to the vendor');
      const work = bytes === 0 ? deps.voice.noAudio(requestId) : deps.voice.submitAudio(requestId, audio);
      work.catch((err: unknown) => deps.logger.warn({ requestId, err: err instanceof Error ? err.name : 'error' }, 'media stream submission failed'));
      end(MEDIA_CLOSE.done, 'audio received');
    }

    function onStart(msg: z.infer<typeof ZStart>): void {
      const { encoding, sampleRate, channels } = msg.start.mediaFormat;
      if (encoding !== 'audio/x-mulaw' || sampleRate !== 8000 || channels !== 1) {
        phase = 'done';
        return end(MEDIA_CLOSE.unsupported, 'mediaFormat: audio/x-mulaw 8000 Hz mono only');
      }
      const id = msg.start.customParameters?.requestId;
      if (!id) {
        phase = 'done';
        return end(MEDIA_CLOSE.policy, 'start.customParameters.requestId: required');
      }
      requestId = id;
      streamSid = msg.streamSid;
      phase = 'starting';
      deps.voice
        .streamTarget(id)
        .then((target) => {
          if (phase !== 'starting') return;
          if (!target) {
            phase = 'done';
            drop();
            return end(MEDIA_CLOSE.policy, 'requestId: no open request for this stream');
          }
          targetSeconds = target.speechSeconds;
          phase = 'collecting';
          // Audio enough, or a stop, may have arrived while we looked the request up: what came
          // after the target is not the vendor's to hear.
          const reached = speechAfter.findIndex((s) => s >= targetSeconds);
          if (reached >= 0) {
            for (const c of chunks.splice(reached + 1)) {
              bytes -= c.length;
              c.fill(0);
            }
            finish('target');
          } else if (endedEarly) finish(endedEarly);
          else if (bytes >= maxBytes) finish('buffer_full');
        })
        .catch((err: unknown) => {
          deps.logger.warn({ requestId: id, err: err instanceof Error ? err.name : 'error' }, 'media stream: request lookup failed');
          phase = 'done';
          drop();
          end(MEDIA_CLOSE.goingAway, 'try again later');
        });
    }

    function onMedia(msg: z.infer<typeof ZMedia>): void {
      // Only the caller's side (inbound, the default track of <Start><Stream>).
      if (msg.media.track !== undefined && msg.media.track !== 'inbound') return;
      const chunk = Buffer.from(msg.media.payload, 'base64');
      if (chunk.length > limits.maxChunkBytes) {
        phase = 'done';
        drop();
        return end(MEDIA_CLOSE.unsupported, `media.payload: larger than ${limits.maxChunkBytes} bytes`);
      }
      // Still looking the request up: hold no more than a full buffer meanwhile.
      if (phase !== 'collecting' && bytes + chunk.length > maxBytes) return;
      meter.add(chunk);
      chunks.push(chunk);
      speechAfter.push(meter.seconds());
      bytes += chunk.length;
      if (phase !== 'collecting') return;
      if (meter.seconds() >= targetSeconds) finish('target');
      else if (bytes >= maxBytes) finish('buffer_full');
    }

    // Whatever broke the stream (a message no Twilio stream sends, or a frame breaking the
    // protocol), what it brought is not sent to the vendor: it may not be the caller's.
    const abandon = () => {
      phase = 'done';
      drop();
    };

    // A socket that went quiet: what it brought is dropped like a broken-off stream's, never sent.
    const arm = (ms: number, reason: string) => {
      clearTimeout(deadline);
      deadline = setTimeout(() => {
        if (phase === 'starting' || phase === 'collecting') deps.logger.info({ requestId, streamSid, phase }, 'media stream went quiet: audio dropped');
        abandon();
        end(MEDIA_CLOSE.timeout, reason);
      }, ms);
      deadline.unref();
    };
    // Fixed from the upgrade: `connected` (or anything else before `start`) does not extend it.
    arm(limits.startTimeoutMs, `start: none within ${limits.startTimeoutMs} ms`);

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (phase === 'done') return;
      onMessage(data, isBinary);
      if (phase === 'starting' && endedEarly) {
        // Twilio has stopped: what is left is our own lookup, which finishes or closes the socket.
        clearTimeout(deadline);
      } else if (phase === 'starting' || phase === 'collecting') arm(limits.idleTimeoutMs, `no message for ${limits.idleTimeoutMs} ms`);
    });

    function onMessage(data: RawData, isBinary: boolean): void {
      if (isBinary) {
        abandon();
        return end(MEDIA_CLOSE.unsupported, 'binary frames are not Media Streams messages');
      }
      let json: unknown;
      try {
        json = JSON.parse(data.toString());
      } catch {
        abandon();
        return end(MEDIA_CLOSE.unsupported, 'not JSON');
      }
      const head = ZEvent.safeParse(json);
      if (!head.success) {
        abandon();
        return end(MEDIA_CLOSE.unsupported, 'event: required');
      }
      const bad = (issue: z.ZodError) => {
        abandon();
        const first = issue.issues[0];
        end(MEDIA_CLOSE.unsupported, `${first?.path.join('.') || head.data.event}: ${first?.message ?? 'invalid'}`);
      };
      switch (head.data.event) {
        case 'connected':
          return;
        case 'start': {
          if (phase !== 'await_start') {
            abandon();
            return end(MEDIA_CLOSE.policy, 'start: sent twice');
          }
          const msg = ZStart.safeParse(json);
          return msg.success ? onStart(msg.data) : bad(msg.error);
        }
        case 'media': {
          if (phase === 'await_start') {
            phase = 'done';
            return end(MEDIA_CLOSE.policy, 'media: before start');
          }
          const msg = ZMedia.safeParse(json);
          return msg.success ? onMedia(msg.data) : bad(msg.error);
        }
        case 'stop':
          return finish('stop');
        default:
          // mark, dtmf and events Twilio may add later carry no audio for us.
          return;
      }
    }
    ws.on('close', () => {
      clearTimeout(deadline);
      finish('closed');
    });
    // ws has closed the socket on a frame that breaks the protocol (1002, 1007, 1009).
    ws.on('error', () => {
      abandon();
      ws.terminate();
    });
  }

  return {
    handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer) {
      const signature = req.headers['x-twilio-signature'];
      if (typeof signature !== 'string' || signature === '') return refuse(socket, 'missing X-Twilio-Signature');
      const url = wsBase + (req.url ?? MEDIA_STREAM_PATH);
      if (!twilio.validateRequest(deps.authToken, signature, url, {})) return refuse(socket, 'X-Twilio-Signature does not match');
      wss.handleUpgrade(req, socket, head, (ws) => session(ws));
    },
    connectionCount: () => wss.clients.size,
    async close() {
      const closing = [...wss.clients].map((ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : (ws.once('close', () => resolve()), ws.close(MEDIA_CLOSE.goingAway, 'server shutting down')))));
      await Promise.all(closing);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
