import { LRUCache } from 'lru-cache';
import { verdict, onEntry, onVoiceOutcome, type EntryFacts, type Next } from '../biometrics/verify-policy.js';
import type { VerifyPin } from '../biometrics/verify-pin.js';
import type { VoiceBiometrics } from '../biometrics/voice-types.js';
import type { Watchlist } from '../biometrics/watchlist.js';
import type { CustomerRepo } from '../crm/customer-repo.js';
import type { CallerLookup, LookupResult } from '../crm/lookup.js';
import { normalizePhone, toAsciiDigits } from '../crm/phone.js';
import type { Customer } from '../crm/schemas.js';
import { isStoreUnavailable, StoreTimeoutError, withDeadline } from '../db/store-errors.js';
import { AppError } from '../errors.js';
import type { TVerifyNode } from '../ivr/flow-schema.js';
import type { Verification } from '../ivr/types.js';
import type { Logger } from '../logger.js';
import { standingAnswer, type ConsentRegister } from '../privacy/consent-register.js';
import type { RoutingService } from '../routing/routing-service.js';
import { requirementsAt, type RoutingContextInput } from '../routing/rules/index.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { InteractionRepo } from '../timeline/interaction-repo.js';
import type { CallEventStore } from './call-events.js';
import type { CallRepo } from './call-repo.js';
import type { CallerMemo } from './caller-memo.js';
import type { ExternalCallback } from './external-callback.js';
import { createVerdictLog } from './verdict-log.js';
import { FALLBACK_QUEUE } from './fallback.js';
import type { CallRecord, Provider } from './types.js';

export type FlowAction = 'lookup' | 'route' | 'verify' | 'pin' | 'log';

/** One step of an IVR that runs at the provider (Amazon Connect's contact flow), asking us. */
export interface FlowRequest {
  action: FlowAction;
  providerCallId: string;
  /** The caller's number as the provider gives it (null: withheld or not a phone call). */
  from: string | null;
  to: string | null;
  /** The language the flow already chose, if any (a contact attribute). */
  language?: 'ar' | 'en';
  /** route: the queue the flow's menu named, and the caller's intent. */
  queue?: string;
  intent?: string;
  /** route: the caller accepted the callback this route offered (the flow's second `route`). */
  callback?: 'accept';
  /** verify: where the caller's audio is (Connect: the Kinesis Video Stream and its first fragment). */
  audio?: { streamArn: string; startFragmentNumber: string };
  /** pin: the digits the caller keyed, and which try this is (a retried invocation repeats its number). */
  pin?: string;
  attempt?: number;
  /** verify: the caller's answer to the flow's consent question (asked because a verify answered `consent_required`), and the wording's version. */
  consent?: { granted: boolean; textVersion: string };
  /** log: the note for the caller's timeline. */
  note?: { type: string; summary: string };
}

/** The routing decision, as a provider that does its own queueing needs it. */
export interface FlowRoute {
  queue: string;
  /** The provider's id for the queue; null when no synced queue has that name. */
  queueArn: string | null;
  priority: number;
  callbackOffered: boolean;
}

/**
 * The pop's verdicts, and two only a provider-run flow sees: `pending` (ask again, the vendor
 * is still deciding) and `consent_required` (ask the consent question, then verify again with
 * the answer).
 */
export type FlowVerification = Verification['status'] | 'pending' | 'consent_required';

/** What a flow step answers: who is calling and the action's own result. */
export interface FlowResult {
  known: boolean;
  customer: Pick<Customer, 'id' | 'name' | 'language' | 'tier' | 'accountValue'> | null;
  language: 'ar' | 'en';
  verification: FlowVerification | null;
  route: FlowRoute | null;
  /** A store was slow or away: the answer holds only what was known in time. */
  degraded: boolean;
}

export interface ExternalFlow {
  /** Answers within the budget whatever the stores do; throws only for a request that cannot be answered (the flow's Error branch). */
  answer(req: FlowRequest): Promise<FlowResult>;
}

/** The provider-run IVR's thresholds: the same defaults a Twilio flow's verify node has. */
const VERIFY_NODE: Pick<TVerifyNode, 'acceptance' | 'maxRisk' | 'onNoMatch' | 'enrol'> = { acceptance: 0.9, maxRisk: 0.7, onNoMatch: 'pin', enrol: false };

export interface ExternalFlowDeps {
  provider: Provider;
  calls: CallRepo;
  callEvents: CallEventStore;
  lookup: CallerLookup;
  callers: CallerMemo;
  customers: Pick<CustomerRepo, 'get'>;
  interactions: Pick<InteractionRepo, 'record'>;
  /** Supervisors' alerts (fraud suspected in the flow). */
  bus: Pick<EventBus, 'publish'>;
  routing: Pick<RoutingService, 'route'>;
  /** The provider's id of a routing queue (the synced queue list); null when there is none. */
  queueRef(queue: string): Promise<string | null>;
  consents: Pick<ConsentRegister, 'latestConsents' | 'recordConsent'>;
  verifyPin: VerifyPin;
  watchlist: Pick<Watchlist, 'isWatchlisted'>;
  voice: VoiceBiometrics & { configured?: boolean };
  voiceSpeechSeconds: number;
  /** Places an accepted callback (absent: none is placed, the flow keeps the caller in line). */
  callback?: ExternalCallback;
  /** Told of each call once its caller is known: the screen pop's reads start here. */
  onCaller?(call: CallRecord, caller: LookupResult): void;
  /** The whole answer's budget, well under the provider's wait (Connect: 3 s by default). */
  budgetMs: number;
  now(): Date;
  logger: Logger;
}

/** What is known as the work goes, so a late answer still says it. */
interface Progress {
  caller?: LookupResult;
  language?: 'ar' | 'en';
  /** The provider took the callback: a late answer must still say so (the caller is dialled back). */
  callbackPlaced?: boolean;
}

/**
 * The steps a provider-run IVR asks of us: look the caller up (and record the call), route,
 * verify by voice or PIN, note something on the timeline. Every step is keyed by the call and
 * the action, so a provider's retry gets the first answer and writes nothing twice; only
 * final answers are stored (a degraded or pending one is worked out again next time).
 */
export function createExternalFlow(deps: ExternalFlowDeps): ExternalFlow {
  const key = (action: string) => `flow:${action}`;
  const verdicts = createVerdictLog({ timeline: deps.interactions, bus: deps.bus, logger: deps.logger });

  // The call as this node's lookup left it, per contact, once the lookup's event is stored:
  // what later steps read of it (id, number, language, customer) does not change in a call,
  // so a route on this node neither reads the call again nor stores that event a second time.
  // Used only beside the remembered caller, which an erasure forgets; a miss reads as before.
  const lookedUp = new LRUCache<string, CallRecord>({ max: 20_000, ttl: 30 * 60_000 });

  async function findCaller(req: FlowRequest, progress: Progress): Promise<{ call: CallRecord; caller: LookupResult }> {
    const e164 = req.from ? (normalizePhone(req.from) ?? null) : null;
    // Who is calling is remembered per contact on this node; otherwise the CRM is asked (within
    // its budget) while the call is read, so a slow call table still leaves the caller known.
    const memoKey = `${deps.provider}:${req.providerCallId}`;
    const remembered = deps.callers.get(memoKey);
    if (remembered) {
      progress.caller = remembered;
      const call = lookedUp.get(memoKey);
      if (call) return { call, caller: remembered };
    }
    const asked = remembered ? undefined : deps.lookup.lookup(e164 ?? undefined).then((r) => (progress.caller = r));
    const existing = await deps.calls.find(deps.provider, req.providerCallId);
    const caller = remembered ?? (await asked!);
    const customer = caller.status === 'found' ? caller.customer : undefined;
    // A degraded lookup stores no event: the next step looks the caller up again.
    const event = caller.status === 'degraded' ? undefined : { key: key('lookup'), type: 'flow_lookup', at: deps.now(), data: { known: String(Boolean(customer)) } };
    let call: CallRecord;
    let added = false;
    if (existing && (existing.customerId || !customer)) {
      call = existing;
      if (event) added = await deps.callEvents.add({ callId: call.id, ...event });
    } else {
      // A call first heard of through a contact event learns its customer here; a new call
      // and its lookup event go in one statement.
      const draft = {
        provider: deps.provider,
        providerCallId: req.providerCallId,
        fromRaw: req.from ?? '',
        fromE164: e164,
        to: req.to,
        customerId: customer?.id ?? null,
        language: customer?.language ?? req.language ?? 'ar',
        startedAt: deps.now(),
      };
      if (event) {
        const { eventAdded, ...recorded } = await deps.calls.recordExternal(draft, event);
        call = recorded;
        added = eventAdded;
      } else call = await deps.calls.recordExternal(draft);
    }
    deps.callers.remember(memoKey, caller);
    if (event) lookedUp.set(memoKey, call);
    if (added) deps.onCaller?.(call, caller);
    return { call, caller };
  }

  function base(caller: LookupResult | undefined, progress: Progress, req: FlowRequest): FlowResult {
    const customer = caller?.status === 'found' ? caller.customer : undefined;
    return {
      known: Boolean(customer),
      customer: customer ? { id: customer.id, name: customer.name, language: customer.language, tier: customer.tier, accountValue: customer.accountValue } : null,
      language: customer?.language ?? progress.language ?? req.language ?? 'ar',
      verification: null,
      route: null,
      degraded: caller?.status === 'degraded',
    };
  }

  async function route(req: FlowRequest, call: CallRecord, caller: LookupResult): Promise<{ route: FlowRoute; degraded: boolean }> {
    const customer = caller.status === 'found' ? caller.customer : undefined;
    const context: RoutingContextInput = {
      call: { from: call.fromE164 ?? req.from ?? '', language: customer?.language ?? req.language ?? call.language, queue: req.queue ?? '', waitSeconds: 0 },
      customer: customer
        ? { known: true, tier: customer.tier, accountValue: customer.accountValue?.amount ?? 0, openComplaints: caller.status === 'found' && caller.openComplaint ? 1 : 0 }
        : { known: false },
      ivr: { path: [], intent: req.intent ?? '', inputs: {} },
    };
    // The decision's reads (last agent, experience, the queue's ARN) go out while the stored
    // answer is looked for: a retry is rare, and then the fresh decision is dropped unread.
    const fresh = (async () => {
      const decision = await deps.routing.route(context, { customerId: customer?.id });
      const now = requirementsAt(decision, 0);
      const result: FlowRoute = {
        queue: now.queue,
        queueArn: await deps.queueRef(now.queue),
        priority: now.priority,
        // Connect runs the wait itself: a rule that offers callbacks at any step lets its queue flow offer one.
        callbackOffered: decision.steps.some((s) => s.offerCallback === true),
      };
      return { decision, result };
    })();
    fresh.catch(() => {}); // a retry answered from the store does not need it
    const stored = await deps.callEvents.find(call.id, key('route'));
    if (stored) return { route: storedRoute(stored.data), degraded: false };
    const { decision, result } = await fresh;
    if (caller.status === 'degraded') return { route: result, degraded: true };
    // Two writes that need nothing of each other: what a retry answers, and the call's queue.
    await Promise.all([
      deps.callEvents.add({
        callId: call.id,
        key: key('route'),
        type: 'flow_route',
        at: deps.now(),
        // The menu's choice and the intent too: the agent's pop shows what the caller did in the flow.
        data: { queue: result.queue, queueArn: result.queueArn ?? '', priority: String(result.priority), callbackOffered: String(result.callbackOffered), rule: decision.rule, menu: req.queue ?? '', intent: req.intent ?? '' },
      }),
      deps.calls.queueExternal(deps.provider, req.providerCallId, result.queue),
    ]);
    return { route: result, degraded: false };
  }

  async function verify(req: FlowRequest, call: CallRecord, caller: LookupResult, deadline: number): Promise<{ verification: FlowVerification; degraded: boolean }> {
    const stored = await deps.callEvents.find(call.id, key('verify'));
    if (stored) return { verification: stored.data.verification as FlowVerification, degraded: false };
    const customer = caller.status === 'found' ? caller.customer : undefined;
    const voiceAvailable = deps.voice.configured !== false;
    // The caller's answer to the flow's question goes in the register (with its timeline entry)
    // before anything is decided; the same answer again (a retry) stores nothing.
    if (customer && req.consent) {
      const { granted, textVersion } = req.consent;
      await deps.consents.recordConsent({ customerId: customer.id, purpose: 'voice_biometrics', granted, channel: 'ivr', textVersion, by: `${deps.provider}:${req.providerCallId}` });
    }
    const [watchlisted, consent, enrolment] = await Promise.all([
      deps.watchlist.isWatchlisted({ number: call.fromE164 ?? undefined }),
      customer ? deps.consents.latestConsents(customer.id).then((c) => standingAnswer(c, 'voice_biometrics')) : ('none' as const),
      customer && voiceAvailable ? deps.voice.enrolment(customer.id) : undefined,
    ]);
    // A PIN's state is learnt by the pin action itself; here "ready" sends the caller there.
    const facts: EntryFacts = { known: Boolean(customer), watchlisted, consent, enrolled: enrolment?.enrolled ?? false, voiceAvailable, pin: 'ready' };
    let next: Next = onEntry(facts, VERIFY_NODE);
    // Never asked: the flow asks its consent question and calls verify again with the answer.
    // Nothing is stored, so that second verify decides afresh.
    if (next.next === 'consent') return { verification: 'consent_required', degraded: false };
    if (next.next === 'voice') {
      if (!req.audio || !customer) {
        // The flow did not start media streaming: nothing to listen to.
        next = onVoiceOutcome({ status: 'unavailable', reason: 'no_audio' }, facts, VERIFY_NODE);
      } else {
        const { requestId } = await deps.voice.open({
          callId: call.id,
          customerId: customer.id,
          kind: 'verify',
          speechSeconds: deps.voiceSpeechSeconds,
          source: { kind: 'kvs', streamArn: req.audio.streamArn, startFragmentNumber: req.audio.startFragmentNumber },
        });
        const outcome = await deps.voice.outcome(requestId, Math.max(0, deadline - Date.now()));
        if (outcome.status === 'pending') return { verification: 'pending', degraded: true };
        next = onVoiceOutcome(outcome, facts, VERIFY_NODE);
      }
    }
    // 'pin': the flow asks for the PIN next; its answer is the pin action's.
    const verification: FlowVerification = next.next === 'done' ? next.verification.status : 'skipped';
    const at = deps.now();
    await deps.callEvents.add({
      callId: call.id,
      key: key('verify'),
      type: 'flow_verify',
      at,
      data: { verification, ...(next.next === 'done' ? savedVerdict(next.verification) : {}), ...(next.next === 'pin' ? { pinReason: next.reason } : {}) },
    });
    if (next.next === 'done') await verdicts.record({ callId: call.id, customerId: customer?.id ?? null, step: 'flow-verify', verification: next.verification, at, ...(next.fraud ? { fraud: next.fraud } : {}) });
    return { verification, degraded: false };
  }

  async function pin(req: FlowRequest, call: CallRecord, caller: LookupResult): Promise<FlowVerification> {
    const digits = toAsciiDigits(req.pin ?? '');
    if (!/^\d{4,12}$/.test(digits)) throw new AppError('BAD_REQUEST', 'pin: must be 4 to 12 digits');
    const attemptKey = key(`pin:${req.attempt ?? 1}`);
    const stored = await deps.callEvents.find(call.id, attemptKey);
    if (stored) return stored.data.verification as FlowVerification;
    const customer = caller.status === 'found' ? caller.customer : undefined;
    let result: Verification;
    const watchlisted = await deps.watchlist.isWatchlisted({ number: call.fromE164 ?? undefined });
    if (watchlisted) result = verdict('failed', { risk: { watchlist: true } });
    else if (!customer) result = verdict('skipped');
    else {
      const checked = await deps.verifyPin(customer.id, digits);
      result = checked === 'not_set' ? verdict('not_enrolled') : verdict(checked, { method: 'pin' });
    }
    const at = deps.now();
    await deps.callEvents.add({ callId: call.id, key: attemptKey, type: 'flow_pin', at, data: savedVerdict(result) });
    // A wrong PIN is not final (the flow may ask again); a lock-out, a match or fraud is.
    if (result.status !== 'failed' || watchlisted) {
      await verdicts.record({ callId: call.id, customerId: customer?.id ?? null, step: 'flow-pin', verification: result, at, ...(watchlisted ? { fraud: 'watchlist' as const } : {}), lockedNow: result.status === 'locked' });
    }
    return result.status;
  }

  async function log(req: FlowRequest, call: CallRecord): Promise<void> {
    if (!req.note) throw new AppError('BAD_REQUEST', 'summary: required for log');
    await deps.interactions.record({
      idempotencyKey: `${deps.provider}:flow-log:${req.providerCallId}`,
      customerId: call.customerId,
      phoneE164: call.fromE164,
      channel: 'voice',
      type: req.note.type,
      at: deps.now(),
      summary: req.note.summary,
    });
  }

  async function run(req: FlowRequest, progress: Progress, deadline: number): Promise<FlowResult> {
    const { call, caller } = await findCaller(req, progress);
    const answer = base(caller, progress, req);
    switch (req.action) {
      case 'lookup':
        return answer;
      case 'route': {
        const r = await route(req, call, caller);
        if (req.callback !== 'accept') return { ...answer, route: r.route, degraded: answer.degraded || r.degraded };
        // callbackOffered now says whether the callback was placed: "true" = say goodbye, the caller is called back.
        const cb = deps.callback
          ? await deps.callback.accept({ call, route: r.route, language: answer.language, dialled: req.to, deadline, onPlaced: () => (progress.callbackPlaced = true) })
          : { placed: false, degraded: false };
        return { ...answer, route: { ...r.route, callbackOffered: cb.placed }, degraded: answer.degraded || r.degraded || cb.degraded };
      }
      case 'verify': {
        const v = await verify(req, call, caller, deadline);
        return { ...answer, verification: v.verification, degraded: answer.degraded || v.degraded };
      }
      case 'pin':
        return { ...answer, verification: await pin(req, call, caller) };
      case 'log':
        await log(req, call);
        return answer;
    }
  }

  /** What a step answers when the store did not: the caller as far as known, and for route the queue our side falls back to. */
  async function late(req: FlowRequest, progress: Progress): Promise<FlowResult> {
    const answer = { ...base(progress.caller, progress, req), degraded: true };
    if (req.action === 'route') {
      const queueArn = await withDeadline(deps.queueRef(FALLBACK_QUEUE), 100, 'queue ref').catch(() => null);
      return { ...answer, route: { queue: FALLBACK_QUEUE, queueArn, priority: 10, callbackOffered: req.callback === 'accept' && progress.callbackPlaced === true } };
    }
    if (req.action === 'verify') return { ...answer, verification: 'pending' };
    return answer;
  }

  return {
    async answer(req) {
      const progress: Progress = { language: req.language };
      const deadline = Date.now() + deps.budgetMs;
      const work = run(req, progress, deadline);
      try {
        return await withDeadline(work, deps.budgetMs, `${deps.provider} ${req.action}`);
      } catch (err) {
        if (!(err instanceof StoreTimeoutError) && !isStoreUnavailable(err)) throw err;
        // The work goes on and lands later (every write is keyed); the flow goes on now.
        work.catch((late: unknown) => deps.logger.warn({ err: late, action: req.action }, 'flow step finished failing after its answer'));
        deps.logger.warn({ action: req.action, reason: err instanceof Error ? err.name : 'error' }, 'flow step answered degraded');
        return late(req, progress);
      }
    },
  };
}

/** A verdict as the call's event keeps it (strings only), for the pop Connect's agent gets: how, how sure, and the risk flags. */
function savedVerdict(v: Verification): Record<string, string> {
  return {
    verification: v.status,
    ...(v.method ? { method: v.method } : {}),
    ...(v.method === 'voice' && v.score !== undefined ? { score: String(v.score) } : {}),
    ...(v.risk.watchlist ? { watchlist: 'true' } : {}),
    ...(v.risk.spoofSuspected ? { spoofSuspected: 'true' } : {}),
  };
}

function storedRoute(data: Record<string, string>): FlowRoute {
  return { queue: data.queue ?? '', queueArn: data.queueArn || null, priority: Number(data.priority ?? 0), callbackOffered: data.callbackOffered === 'true' };
}

