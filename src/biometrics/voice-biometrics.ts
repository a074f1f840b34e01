import { LRUCache } from 'lru-cache';
import type { Prisma } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { InteractionRepo } from '../timeline/interaction-repo.js';
import type { VendorClient } from './vendor-client.js';
import type { Alongside, DeletionReason, RecordOutcome, StoredRequest, VoiceprintStore } from './voiceprint-store.js';
import type { VendorResult, VoiceBiometrics, VoiceOutcome } from './voice-types.js';

/**
 * On the bus: a request's verdict (or failure) was just stored, and what it is, so a waiting
 * outcome() on any node answers without reading it back. Never audio: the verdict only.
 */
export const VOICE_RESULT_CHANNEL = 'biometrics.result';

export interface VoiceBiometricsOptions {
  /** How often a waiting `outcome` re-reads the database when the bus is quiet (a message from another node may be lost). */
  pollMs: number;
  /** How often the deletion loop looks for deletions due. */
  deletionLoopMs: number;
  /** How long a node holds a claimed deletion before another may try it. */
  deletionLeaseMs: number;
  /** The first retry of a failed deletion, doubling per attempt up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export const DEFAULT_VOICE_OPTIONS: VoiceBiometricsOptions = {
  pollMs: 100,
  deletionLoopMs: 5_000,
  deletionLeaseMs: 60_000,
  retryBaseMs: 5_000,
  retryMaxMs: 60 * 60_000,
};

/** The contract plus what the media-stream endpoint, the result callback and app.ts need. */
export interface VoiceBiometricsService extends VoiceBiometrics {
  /** False without BIOMETRICS_VENDOR_URL: every `outcome` is `unavailable` at once and the IVR uses the PIN. */
  readonly configured: boolean;
  /** The media-stream endpoint's question at `start`: how much speech to collect, or undefined when the request takes no audio. */
  streamTarget(requestId: string): Promise<{ speechSeconds: number; kind: 'verify' | 'enrol' } | undefined>;
  /** Sends buffered μ-law audio to the vendor and stores the verdict or the failure. The buffer is zeroed afterwards. */
  submitAudio(requestId: string, mulaw: Buffer): Promise<void>;
  /** The stream stopped before any audio arrived. */
  noAudio(requestId: string): Promise<void>;
  /** A verdict from the vendor's callback: stored once. */
  receiveResult(result: VendorResult): Promise<RecordOutcome>;
  /** Consent withdrawn: marks the deletion now and tries the vendor in the background (the caller is not held). */
  forgetSoon(customerId: string, reason: DeletionReason): Promise<void>;
  /** Retries pending deletions until the vendor confirms them (app.ts starts and stops it). */
  startDeletionLoop(): void;
  stop(): Promise<void>;
}

export interface VoiceBiometricsDeps {
  store: VoiceprintStore;
  /** Undefined when no vendor is configured. */
  client: VendorClient | undefined;
  bus: EventBus;
  logger: Logger;
  now: () => Date;
  /** The timeline's writer bound to a transaction (app.ts: createInteractionRepo). */
  timelineIn: (tx: Prisma.TransactionClient) => InteractionRepo;
  options?: Partial<VoiceBiometricsOptions>;
  /** Called once the vendor confirmed a deletion (erasure's receipt can say so). */
  onDeleted?: (customerId: string, speakerId: string) => void | Promise<void>;
}

/**
 * An enrolment creates a voiceprint only from audio the vendor accepts as a live, genuine
 * voice: a spoof or a fraudster on the vendor's watchlist is never enrolled.
 */
export function enrolmentSucceeded(r: VendorResult): boolean {
  return r.decision === 'match' && !r.spoof && !r.fraud.watchlistHit;
}

const REASON_TEXT: Record<DeletionReason, string> = { consent_withdrawn: 'consent withdrawn', erasure: 'erasure' };

function toOutcome(r: StoredRequest): VoiceOutcome {
  if (r.result) return { status: 'result', result: r.result };
  if (r.status === 'failed') return { status: 'unavailable', reason: r.failure ?? 'vendor_error' };
  return { status: 'pending' };
}

export function createVoiceBiometrics(deps: VoiceBiometricsDeps): VoiceBiometricsService {
  const { store, client, bus, logger, now } = deps;
  const opts = { ...DEFAULT_VOICE_OPTIONS, ...deps.options };
  const waiters = new Map<string, Set<(outcome: VoiceOutcome | undefined) => void>>();
  const unsubscribe = bus.subscribe(VOICE_RESULT_CHANNEL, (m) => {
    const { requestId, outcome } = m as { requestId?: unknown; outcome?: VoiceOutcome };
    if (typeof requestId !== 'string') return;
    // A message without a settled outcome (another version's) only wakes the waiter to read the database.
    const settled = outcome?.status === 'result' || outcome?.status === 'unavailable' ? outcome : undefined;
    for (const wake of waiters.get(requestId) ?? []) wake(settled);
  });
  const inFlight = new Set<Promise<unknown>>();
  // Requests a stream on this node is collecting audio for (read at its start): sending the
  // audio needs no second read. Bounded: a stream cut off by garbage never sends.
  const streaming = new LRUCache<string, StoredRequest>({ max: 10_000, ttl: 15 * 60_000 });
  let loop: NodeJS.Timeout | undefined;
  let ticking = false;

  /** Background work that must not be lost silently nor outlive stop(). */
  function track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => logger.warn({ err }, 'voice biometrics background task failed')).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }

  const announce = (requestId: string, outcome: VoiceOutcome) => bus.publish(VOICE_RESULT_CHANNEL, { requestId, outcome });

  const timeline =
    (summary: (speakerId: string) => string, key: string): Alongside =>
    async (tx, ctx) => {
      // An erased customer has no timeline to write to; the audit row still records it.
      if (!ctx.customerExists) return;
      await deps.timelineIn(tx).record({
        idempotencyKey: `voiceprint:${ctx.speakerId}:${key}`,
        customerId: ctx.customerId,
        phoneE164: null,
        channel: 'voice',
        type: 'voiceprint',
        at: now(),
        summary: summary(ctx.speakerId),
      });
    };
  const onEnrolled = timeline(() => 'Voiceprint enrolled for voice biometrics', 'enrolled');
  const onDeleted = timeline(() => 'Voiceprint deleted at the voice-biometrics vendor', 'deleted');

  async function receiveResult(result: VendorResult): Promise<RecordOutcome> {
    const outcome = await store.recordResult(result, now(), enrolmentSucceeded(result), onEnrolled);
    if (outcome === 'recorded') await announce(result.requestId, { status: 'result', result });
    return outcome;
  }

  async function fail(requestId: string, reason: Parameters<VoiceprintStore['fail']>[1]): Promise<void> {
    if (await store.fail(requestId, reason, now())) await announce(requestId, { status: 'unavailable', reason });
  }

  async function send(request: StoredRequest, audio: Parameters<VendorClient['submit']>[1]['audio']): Promise<void> {
    if (!client) return fail(request.id, 'vendor_error');
    const answer = await client.submit(request.kind, { requestId: request.id, speakerId: request.speakerId, audio });
    if (answer.status === 'result') await receiveResult(answer.result);
    else if (answer.status === 'accepted') await store.markSent(request.id, now());
    else {
      // The reason only: never the audio, the body or the vendor's answer.
      logger.warn({ requestId: request.id, reason: answer.reason }, 'voice biometrics vendor unavailable');
      await fail(request.id, answer.reason);
    }
  }

  function retryAt(attempts: number): Date {
    const delay = Math.min(opts.retryMaxMs, opts.retryBaseMs * 2 ** Math.min(attempts - 1, 30));
    return new Date(now().getTime() + delay);
  }

  /** One DELETE at the vendor; true once it confirmed. */
  async function tryDelete(speakerId: string): Promise<boolean> {
    const answer = client ? await client.deleteSpeaker(speakerId) : ({ deleted: false, error: 'no vendor configured' } as const);
    if (answer.deleted) {
      let customerId: string | undefined;
      const confirmed = await store.deletionConfirmed(speakerId, now(), async (tx, ctx) => {
        customerId = ctx.customerId;
        await onDeleted(tx, ctx);
      });
      if (confirmed && customerId) await deps.onDeleted?.(customerId, speakerId);
      return true;
    }
    const attempts = await store.deletionFailed(speakerId, answer.error, retryAt);
    logger.warn({ speakerId, attempts, error: answer.error }, 'voiceprint deletion not confirmed; will retry');
    return false;
  }

  async function requestDeletion(customerId: string, reason: DeletionReason) {
    const at = now();
    const onRequested = timeline(() => `Voiceprint deletion requested (${REASON_TEXT[reason]})`, 'deletion_requested');
    return store.requestDeletion(customerId, reason, at, new Date(at.getTime() + opts.deletionLeaseMs), onRequested, { retireUnenrolled: !client });
  }

  async function tick(): Promise<void> {
    if (ticking) return;
    ticking = true;
    try {
      const at = now();
      const due = await store.claimDueDeletions(at, new Date(at.getTime() + opts.deletionLeaseMs), 20);
      for (const speakerId of due) await tryDelete(speakerId);
    } catch (err) {
      logger.warn({ err }, 'voiceprint deletion loop failed; next tick retries');
    } finally {
      ticking = false;
    }
  }

  return {
    configured: client !== undefined,

    enrolment: (customerId) => store.liveSpeaker(customerId, now()),

    async open(input) {
      const speaker = await store.liveSpeaker(input.customerId, now());
      const { request, created } = await store.openRequest(
        { callId: input.callId, customerId: input.customerId, speakerId: speaker.speakerId, kind: input.kind, source: input.source.kind, speechSeconds: input.speechSeconds },
        now(),
      );
      // Connect: the vendor reads the Kinesis Video Stream itself, so the request goes at once.
      if (created && input.source.kind === 'kvs') {
        track(send(request, { kind: 'kvs', streamArn: input.source.streamArn, startFragmentNumber: input.source.startFragmentNumber }));
      }
      return { requestId: request.id };
    },

    async outcome(requestId, waitMs) {
      if (!client) return { status: 'unavailable', reason: 'vendor_error' };
      const until = Date.now() + Math.max(0, waitMs);
      // Set by the bus (even while we read the database): the stored verdict, as announced.
      let heard: VoiceOutcome | undefined;
      let wake = () => {};
      const onMessage = (outcome: VoiceOutcome | undefined) => {
        heard ??= outcome;
        wake();
      };
      let set = waiters.get(requestId);
      if (!set) waiters.set(requestId, (set = new Set()));
      set.add(onMessage);
      try {
        for (;;) {
          if (heard) return heard;
          const request = await store.request(requestId);
          // An id the IVR never opened (or an erased customer's): no verdict will come.
          if (!request) return { status: 'unavailable', reason: 'vendor_error' };
          const outcome = toOutcome(request);
          if (outcome.status !== 'pending') return outcome;
          if (heard) return heard;
          // Audio not yet sent and the vendor known to be down: no point waiting for it.
          if (request.status === 'open' && client.breakerOpen()) return { status: 'unavailable', reason: 'circuit_open' };
          const left = until - Date.now();
          if (left <= 0) return outcome;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(left, opts.pollMs));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = () => {};
        }
      } finally {
        set.delete(onMessage);
        if (set.size === 0) waiters.delete(requestId);
      }
    },

    async forget(customerId, reason) {
      const { pending, deleted: confirmed } = await requestDeletion(customerId, reason);
      // Asked again after the vendor confirmed (the deletion loop may have done it): still deleted.
      if (pending.length === 0) return { speakerId: confirmed, deleted: true };
      let deleted = true;
      for (const speakerId of pending) deleted = (await tryDelete(speakerId)) && deleted;
      return { speakerId: pending[0]!, deleted };
    },

    async forgetSoon(customerId, reason) {
      const { pending } = await requestDeletion(customerId, reason);
      for (const speakerId of pending) track(tryDelete(speakerId));
    },

    async streamTarget(requestId) {
      const request = await store.request(requestId);
      if (!request || request.source !== 'media_stream' || request.status !== 'open') return undefined;
      streaming.set(requestId, request);
      return { speechSeconds: request.speechSeconds, kind: request.kind };
    },

    submitAudio(requestId, mulaw) {
      const work = (async () => {
        try {
          // A verdict stored meanwhile (another stream of the same request) stays: the first one wins.
          const request = streaming.get(requestId) ?? (await store.request(requestId));
          streaming.delete(requestId);
          if (!request || request.status !== 'open') return;
          await send(request, { kind: 'mulaw', bytes: mulaw });
        } finally {
          // Held for the request in flight only.
          mulaw.fill(0);
        }
      })();
      // stop() waits for it: a verdict being fetched when the node drains is still stored.
      track(work);
      return work;
    },

    noAudio: (requestId) => {
      streaming.delete(requestId);
      return fail(requestId, 'no_audio');
    },

    receiveResult,

    startDeletionLoop() {
      if (loop) return;
      loop = setInterval(() => track(tick()), opts.deletionLoopMs);
      loop.unref();
    },

    async stop() {
      if (loop) clearInterval(loop);
      loop = undefined;
      unsubscribe();
      await Promise.allSettled([...inFlight]);
    },
  };
}
