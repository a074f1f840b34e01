import type http from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { createTokenVerifier, type TokenVerifier } from './auth/tokens.js';
import { createCallEventStore } from './calls/call-events.js';
import { createCallRepo } from './calls/call-repo.js';
import { createCallerMemo } from './calls/caller-memo.js';
import { createCallService, type CallService } from './calls/call-service.js';
import type { Config } from './config.js';
import { createCustomerRepo, type CustomerRepo } from './crm/customer-repo.js';
import { createCallerLookup } from './crm/lookup.js';
import type { Db } from './db/client.js';
import { createDbHealthRepo } from './db/db-health-repo.js';
import { apiRouter } from './http/api-router.js';
import { biometricsRouter } from './http/biometrics-router.js';
import { consentRouter } from './http/consent-router.js';
import { exportRouter } from './http/export-router.js';
import { analyticsRouter } from './http/analytics-router.js';
import { supervisorRouter } from './http/supervisor-router.js';
import { wrapUpRouter } from './http/wrapup-router.js';
import { transferRouter } from './http/transfer-router.js';
import { voiceRouter } from './http/voice-router.js';
import { agentPage } from './http/agent-page.js';
import { createSoftphoneTokens } from './voice/softphone-token.js';
import { createTwilioVoiceTokens } from '../webhooks/twilio/access-token.js';
import { createTransferReads, transferCall } from './calls/transfer-call.js';
import { createAnalyticsService, DEFAULT_ANALYTICS, type AnalyticsService, type AnalyticsSettings } from './analytics/analytics-service.js';
import { createKpiSources } from './analytics/kpi-sources.js';
import { createKpiStore } from './analytics/kpi-store.js';
import { createWrapUpReads, wrapUpCall } from './calls/wrap-up.js';
import { createDispositionStore } from './calls/disposition-store.js';
import type { DispositionStore } from './calls/dispositions.js';
import { dispositionsRouter } from './http/dispositions-router.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { healthRouter } from './http/health-router.js';
import { routingRouter } from './http/routing-router.js';
import { createFlowStore, type FlowStore } from './ivr/flow-store.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics/instruments.js';
import { metricsRouter } from './metrics/metrics-router.js';
import { webhookTimer } from './metrics/webhook-timer.js';
import { createAgentMessageStore } from './realtime/agent-messages.js';
import { createAgentHub, HUB_PATH } from './realtime/agent-hub.js';
import { busPush, type AgentPush } from './realtime/agent-push.js';
import type { ClientActionDeps } from './realtime/client-actions.js';
import type { AgentMessageStore } from './realtime/agent-messages.js';
import { routeUpgrades, type UpgradeHandler } from './realtime/upgrade-router.js';
import { createSupervisorHub, SUPERVISOR_PATH } from './realtime/supervisor-hub.js';
import { DEFAULT_ALERT_POLICY, type AlertPolicy } from './supervisor/alerts.js';
import type { Timers } from './supervisor/coalescer.js';
import { createLiveStats } from './supervisor/live-stats.js';
import { createLiveReads } from './supervisor/live-stats-repo.js';
import { createLiveView, type LiveView } from './supervisor/live-view.js';
import { createAlertStore } from './supervisor/alert-store.js';
import { announcingOffers } from './routing/queue-events.js';
import { createInProcessBus, type EventBus } from './realtime/event-bus.js';
import type { FrameLimits } from './realtime/frame-limiter.js';
import { createPopContextCache } from './screenpop/pop-context.js';
import { createPopContextRepo } from './screenpop/pop-context-repo.js';
import { openFileSpool } from './spool/file-spool.js';
import { createPopAckStore } from './screenpop/pop-ack-store.js';
import { createPopPipeline } from './screenpop/pop-pipeline.js';
import { summarize } from './sentiment/index.js';
import { createAgentRepo, type AgentRepo } from './routing/agent-repo.js';
import { createPinStore } from './biometrics/pin-store.js';
import { createSetPin, type SetPin } from './biometrics/set-pin.js';
import { createVerifyPin, type PinPolicy, type VerifyPin } from './biometrics/verify-pin.js';
import { createWatchlist, type Watchlist } from './biometrics/watchlist.js';
import { createWatchlistStore } from './biometrics/watchlist-store.js';
import { createReadPinState } from './biometrics/pin-state.js';
import { createVerifyCaller } from './calls/verify-caller.js';
import { createChangePin } from './calls/change-pin.js';
import { createVendorClient } from './biometrics/vendor-client.js';
import { createVoiceBiometrics, type VoiceBiometricsOptions } from './biometrics/voice-biometrics.js';
import type { VoiceBiometrics } from './biometrics/voice-types.js';
import { createVoiceprintStore } from './biometrics/voiceprint-store.js';
import type { CallBridge } from './routing/call-bridge.js';
import type { RoutingTimers } from './routing/routing-timers.js';
import { createAgentStateStore } from './routing/agent-state-store.js';
import { createPresence, type Presence } from './routing/presence.js';
import { createQueueStore } from './routing/queue-store.js';
import { createRoutingService, type RoutingOptions, type RoutingService } from './routing/routing-service.js';
import { createRuleStore, type RuleStore } from './routing/rule-store.js';
import { simulateRouting } from './routing/simulate.js';
import { createInteractionRepo, type InteractionRepo } from './timeline/interaction-repo.js';
import { createConsentRegister, type ConsentRegister } from './privacy/consent-register.js';
import { createConsentStore } from './privacy/consent-store.js';
import { createCustomerExportRepo } from './privacy/customer-export-repo.js';
import { exportCustomer } from './privacy/export-customer.js';
import { createAccessLog } from './privacy/access-log.js';
import { createAccessLogStore } from './privacy/access-log-store.js';
import { createCustomerAccess } from './privacy/customer-access.js';
import { createCustomerErasure, ERASED_CHANNEL, type CustomerErasure, type ErasedMessage, type ErasurePart } from './privacy/erase-customer.js';
import { createErasureStore } from './privacy/erasure-store.js';
import { createRelationshipRepo } from './privacy/relationship-repo.js';
import { createRetention, retentionTargets, type RetentionPolicy, type RetentionReport } from './privacy/retention.js';
import { customerReadRouter } from './http/customer-read-router.js';
import { privacyRouter } from './http/privacy-router.js';
import { createTwilioCallBridge, createTwilioRest } from '../webhooks/twilio/call-control.js';
import { twilioWebhooks } from '../webhooks/twilio/router.js';
import type { ConnectClient } from '@aws-sdk/client-connect';
import { createExternalCallEvents } from './calls/external-events.js';
import { createExternalFlow } from './calls/external-flow.js';
import { connectRouter } from './http/connect-router.js';
import { createProviderResources } from './routing/provider-resources.js';
import { syncProviderResources } from './routing/provider-sync.js';
import { createConnectedPops } from './screenpop/connected-pop.js';
import { createConnectedPopStore } from './screenpop/connected-pop-store.js';
import { createConnectApi, createConnectClient } from '../webhooks/connect/connect-api.js';
import { createContactEventHandler } from '../webhooks/connect/contact-events.js';
import { createConnectFlowHandler } from '../webhooks/connect/flow-handler.js';
import { createConnectCallbackDialer } from '../webhooks/connect/connect-callback.js';
import { createExternalCallback } from './calls/external-callback.js';
import { createMediaStreams, MEDIA_STREAM_PATH, type MediaStreamLimits } from '../webhooks/twilio/media-stream.js';
import { biometricsWebhooks } from '../webhooks/biometrics/router.js';
import { createExperienceService, type ExperienceService } from './analytics/experience/experience-service.js';
import { createExperienceStore } from './analytics/experience/experience-store.js';
import { createSurveyRecorder } from './analytics/surveys/survey-recorder.js';
import { createSurveyResponseStore } from './analytics/surveys/survey-response-store.js';
import { createSurveySettingsStore, type SurveySettingsStore } from './analytics/surveys/survey-settings-store.js';
import { createSurveySessionStore } from './calls/survey-session-store.js';
import { surveyRouter } from './http/survey-router.js';
import { createEntryRevisions } from './timeline/entry-revisions.js';
import { INTERACTION_RECORDED_CHANNEL, type InteractionRecorded } from './timeline/interaction-events.js';

export interface AppDeps {
  config: Pick<Config, 'publicBaseUrl' | 'twilio' | 'jwt' | 'crmLookupBudgetMs'> &
    Partial<Pick<Config, 'offerTimeoutSeconds' | 'metricsToken' | 'aws'>> & {
      /** The voice-biometrics vendor; no vendorUrl: no voice verification (defaults as in config.ts). */
      biometrics?: Partial<Config['biometrics']>;
    };
  db: Db;
  logger: Logger;
  now?: () => Date;
  /** In-process unless given (server.ts passes the Redis bus when REDIS_URL is set). */
  bus?: EventBus;
  /** Twilio REST by default. */
  bridge?: CallBridge;
  routingOptions?: Partial<RoutingOptions>;
  /** Which IVR flow answers inbound calls. */
  flowName?: string;
  /** How long a webhook may take before the caller is queued regardless (default 900 ms). */
  answerBudgetMs?: number;
  /** Where writes are kept through a store outage (server.ts: DATA_DIR/spool); a fresh temporary folder if unset. */
  spoolDir?: string;
  /** The spool's size limit in bytes (default 64 MiB). */
  spoolMaxBytes?: number;
  /** Frames an agent's sockets may send (README: screen pop and the softphone). */
  frameLimits?: Partial<FrameLimits>;
  /** Twilio Media Streams' frame, audio and silence limits (defaults in webhooks/twilio/media-stream.ts). */
  mediaStreamLimits?: Partial<MediaStreamLimits>;
  /** A fresh registry without process metrics unless given (server.ts turns those on). */
  metrics?: Metrics;
  /** PIN attempts before a lock-out and its length (defaults: 3, 15 minutes). */
  pinPolicy?: Partial<PinPolicy>;
  /** KPI thresholds, the business time zone and the rollup's tick (defaults in analytics-service.ts). */
  analytics?: Partial<AnalyticsSettings>;
  /** Data protection (README): retention per kind, the job's interval (server.ts; unset: no interval), agents' read window, further erasure parts. */
  privacy?: { retention?: Partial<RetentionPolicy>; retentionIntervalMs?: number; agentAccessHours?: number; accessLogFlushMs?: number; erasureParts?: ErasurePart[] };
  /** Voice biometrics' polling, deletion retries and circuit breaker (defaults in voice-biometrics.ts, vendor-client.ts). */
  voiceOptions?: Partial<VoiceBiometricsOptions> & { breakerFailures?: number; breakerHalfOpenMs?: number };
  /** How messages reach softphones: over the bus to the ws hubs unless given (Lambda: API Gateway's connections). */
  push?: AgentPush;
  /** Amazon Connect: the flow answer's budget (default 1500 ms; Connect waits 3 s) and the SDK client (tests: a mocked one). */
  connect?: { answerBudgetMs?: number; client?: ConnectClient };
  /** Lambda: routing's deadlines as platform wake-ups (SQS); server mode's tick needs none. */
  timers?: RoutingTimers;
  /** The supervisors' live view: alert thresholds (config ALERT_*) and its clock (tests pass a manual one). */
  supervisor?: { policy?: Partial<AlertPolicy>; timers?: Timers; minPushIntervalMs?: number; checkIntervalMs?: number };
}

export interface Services {
  customers: CustomerRepo;
  interactions: InteractionRepo;
  agents: AgentRepo;
  flows: FlowStore;
  calls: CallService;
  rules: RuleStore;
  presence: Presence;
  routing: RoutingService;
  bus: EventBus;
  /** The consent register (the IVR's consent prompts use it too). */
  consents: ConsentRegister;
  /** Which queues ask for a post-call survey (PUT /api/queues/:name/survey). */
  surveys: { settings: SurveySettingsStore };
  /** The wrap-up's disposition codes (PUT /api/dispositions). */
  dispositions: DispositionStore;
  /** Customers' experience scores, kept current as surveys, timeline entries and call ends arrive. */
  experience: ExperienceService;
  /** KPIs (GET /api/analytics/kpis), live queue and agent stats, and the rollup behind them (server.ts starts its timer). */
  analytics: AnalyticsService;
  /** Live queue and agent numbers and alerts for supervisors (GET /ws/supervisor). */
  supervisor: LiveView;
  /** Erasure (DELETE /api/customers/:id) and the retention job (run on an interval in server mode, by a schedule under serverless). */
  privacy: {
    erasure: CustomerErasure;
    runRetention(now: Date): Promise<RetentionReport>;
    /** Writes the access log's buffered entries now (a Lambda handler, before its container may be frozen). */
    flushAccessLog(): Promise<void>;
  };
  /** PIN fallback and the fraud watchlist (the IVR's verification uses them). */
  biometrics: {
    setPin: SetPin;
    verifyPin: VerifyPin;
    watchlist: Watchlist;
    /** Voice verification and enrolment at the vendor, and voiceprint deletion. */
    voice: VoiceBiometrics;
    /** Net speech a media stream collects before it is sent (VERIFY_SPEECH_SECONDS, ENROL_SPEECH_SECONDS). */
    voiceSpeechSeconds: { verify: number; enrol: number };
  };
}

export interface App {
  app: express.Express;
  services: Services;
  /** Puts the agent WebSocket hub on the server's upgrade path. */
  attachRealtime(server: http.Server): void;
  /** What a softphone socket other than the ws hub needs (API Gateway's WebSocket API in Lambda). */
  softphones: { tokens: TokenVerifier; agents: Pick<AgentRepo, 'softphoneProfile'>; messages: AgentMessageStore; actions: ClientActionDeps };
  /** This app's Prometheus instruments, served at GET /metrics. */
  metrics: Metrics;
  /** Amazon Connect's Lambda handlers (serverless.yml wraps them): the contact flow's "Invoke AWS Lambda function" and the contact-event rule's target. */
  connect: { flow: (event: unknown) => Promise<Record<string, string>>; contactEvent: (event: unknown) => Promise<void> };
  /** Tells every agent socket to reconnect elsewhere (close 1012) and resolves once they are closed. */
  closeSockets(): Promise<void>;
  /** Stops timers and closes sockets (the database belongs to the caller). */
  shutdown(): Promise<void>;
  /** Flip readiness to 503 so the load balancer stops sending new work before shutdown. */
  drain(): void;
  /**
   * Finishes what answers set going (a dispatch pass and its pops, buffered access-log entries):
   * a Lambda awaits it before answering, since a frozen function finishes nothing.
   */
  settle(): Promise<void>;
}

/** The data-protection, KPI and alert settings both entry points (server.ts, lambda) take from the environment. */
export function policySettings(config: Pick<Config, 'retention' | 'agentAccessHours' | 'kpi' | 'businessTimeZone' | 'alerts'>) {
  return {
    privacy: { retention: config.retention, agentAccessHours: config.agentAccessHours },
    analytics: { ...config.kpi, zone: config.businessTimeZone },
    supervisor: { policy: config.alerts },
  } satisfies Pick<AppDeps, 'privacy' | 'analytics' | 'supervisor'>;
}

/** The composition root: every service is built here from explicit collaborators. */
export function buildApp(deps: AppDeps): App {
  const { config, db, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const bus = deps.bus ?? createInProcessBus();
  const metrics = deps.metrics ?? createMetrics();
  const spool = openFileSpool(deps.spoolDir ?? mkdtempSync(path.join(os.tmpdir(), 'cc-spool-')), {
    maxBytes: deps.spoolMaxBytes,
    onChange: (depth, bytes) => {
      metrics.spoolDepth.set(depth);
      metrics.spoolBytes.set(bytes);
    },
  });
  // Set once the call service exists: routing holds offers while kept writes are replayed.
  let keptDepth = () => 0;
  const customers = createCustomerRepo(db);
  const interactions = createInteractionRepo(db);
  const agents = createAgentRepo(db);
  const flows = createFlowStore(db);
  const voiceConfig = { deadlineMs: 2500, verifySpeechSeconds: 10, enrolSpeechSeconds: 30, ...config.biometrics };
  const voice = createVoiceBiometrics({
    store: createVoiceprintStore(db),
    client:
      voiceConfig.vendorUrl && voiceConfig.webhookSecret
        ? createVendorClient({
            vendorUrl: voiceConfig.vendorUrl,
            secret: voiceConfig.webhookSecret,
            callbackUrl: `${config.publicBaseUrl}/webhooks/biometrics/result`,
            now,
            deadlineMs: voiceConfig.deadlineMs,
            breakerFailures: deps.voiceOptions?.breakerFailures,
            breakerHalfOpenMs: deps.voiceOptions?.breakerHalfOpenMs,
          })
        : undefined,
    bus,
    logger,
    now,
    timelineIn: createInteractionRepo,
    options: deps.voiceOptions,
  });
  if (voice.configured) voice.startDeletionLoop();
  const consents = createConsentRegister({
    consents: createConsentStore(db),
    timelineIn: createInteractionRepo,
    now,
    // Withdrawing voice-biometrics consent (API or IVR) deletes the voiceprint at the vendor.
    onChange: async (answer) => {
      if (answer.purpose === 'voice_biometrics' && !answer.granted) await voice.forgetSoon(answer.customerId, 'consent_withdrawn');
    },
  });
  const pins = createPinStore(db);
  const experience = createExperienceService({ store: createExperienceStore(db), now, logger });
  const surveySettings = createSurveySettingsStore(db);
  const accessLogStore = createAccessLogStore(db);
  const accessLog = createAccessLog({ store: accessLogStore, logger, flushMs: deps.privacy?.accessLogFlushMs });
  const access = createCustomerAccess({ relationships: createRelationshipRepo(db), log: accessLog, now, agentWindowHours: deps.privacy?.agentAccessHours });
  const biometrics = {
    setPin: createSetPin({ pins, now }),
    verifyPin: createVerifyPin({ pins, now, policy: deps.pinPolicy }),
    watchlist: createWatchlist({ store: createWatchlistStore(db), now }),
    voice: voice as VoiceBiometrics,
    voiceSpeechSeconds: { verify: voiceConfig.verifySpeechSeconds, enrol: voiceConfig.enrolSpeechSeconds },
  };
  const rules = createRuleStore({ db, bus });
  const agentState = createAgentStateStore(db);
  const presence = createPresence({ agentState, bus, now });
  const bridge =
    deps.bridge ??
    createTwilioCallBridge({
      client: createTwilioRest(config.twilio),
      callerId: config.twilio.callerId,
      statusCallbackUrl: `${config.publicBaseUrl}/webhooks/twilio/status`,
      // The agent's leg ending asks us what next: the post-call survey, or a hang-up.
      agentLegEndedUrl: `${config.publicBaseUrl}/webhooks/twilio/agent-leg-ended`,
      queueWaitUrl: `${config.publicBaseUrl}/webhooks/twilio/queue-wait`,
    });
  const messages = createAgentMessageStore({ db, now });
  const popContext = createPopContextCache({ reads: createPopContextRepo(db), customers, experience });
  const pipeline = createPopPipeline({
    messages,
    callEvents: createCallEventStore(db),
    acks: createPopAckStore(db),
    agentState,
    hub: deps.push ?? busPush(bus),
    context: popContext,
    summarize,
    logger,
    now,
    metrics,
    onCustomerShown: (customerId, agentId) =>
      accessLog.record({ at: now(), actor: 'system:screenpop', role: 'system', customerId, resource: 'pop', endpoint: 'screen_pop', onBehalfOf: agentId, outcome: 'allowed' }),
  });
  const queues = createQueueStore(db);
  const analytics = createAnalyticsService({ store: createKpiStore(db), sources: createKpiSources(db), queueStats: () => queues.queueStats(), now, logger, settings: deps.analytics });
  const routing = createRoutingService({
    noticeFor: pipeline.noticeFor,
    onReservation: announcingOffers(bus, pipeline.onReservation),
    onTransferFailed: pipeline.transferFailed,
    onAgentMoved: pipeline.announceState,
    queues,
    agents,
    agentState,
    rules,
    presence,
    bridge,
    bus,
    logger,
    now,
    options: { offerTimeoutMs: (config.offerTimeoutSeconds ?? 15) * 1000, ...deps.routingOptions },
    holdOffers: () => keptDepth() > 0,
    timers: deps.timers,
    experienceScore: (customerId) => experience.score(customerId),
  });
  const lookup = createCallerLookup({ customers, interactions, budgetMs: config.crmLookupBudgetMs, logger });
  const callRepo = createCallRepo(db, now);
  const callers = createCallerMemo();
  // An erasure on any node: every node forgets what it keeps in memory of the customer.
  const unsubscribeErased = bus.subscribe(ERASED_CHANNEL, (message) => {
    const { customerId, callIds } = message as ErasedMessage;
    callers.forget(customerId, callIds);
    popContext.forget(customerId, callIds);
  });
  const calls = createCallService({
    calls: callRepo,
    flows,
    lookup,
    flowName: deps.flowName ?? 'main',
    now,
    logger,
    routing,
    callers,
    // The pop's CRM and timeline reads run while the caller is in the IVR; setImmediate
    // lets the TwiML answer go out first.
    onCallStarted: (call, caller) => setImmediate(() => popContext.prefetch(call, caller)),
    // The IVR's verify step (consent, voice, PIN, enrolment) and its consent-withdrawal option.
    ivrServices: {
      consents,
      verify: createVerifyCaller({
        // Without a vendor nobody is asked for biometric consent: callers go to the PIN.
        voice: voice.configured ? biometrics.voice : undefined,
        consents,
        verifyPin: biometrics.verifyPin,
        pinState: createReadPinState({ pins, now }),
        watchlist: biometrics.watchlist,
        timeline: interactions,
        bus,
        logger,
        now,
        speechSeconds: biometrics.voiceSpeechSeconds,
      }),
      // A verified caller's new PIN, through the same setPin as PUT /api/customers/:id/pin.
      changePin: createChangePin({ setPin: biometrics.setPin, timeline: interactions, logger, now }),
    },
    onCallEnded: (call) => {
      if (call.customerId) experience.refresh(call.customerId);
    },
    surveys: {
      sessions: createSurveySessionStore(db),
      queueWantsSurvey: async (queue) => (await surveySettings.get(queue)).enabled,
      allowsSurvey: (customerId) => consents.allows(customerId, 'survey'),
      recorder: createSurveyRecorder({
        writersIn: (tx) => ({ responses: createSurveyResponseStore(tx), timeline: createInteractionRepo(tx), revisions: createEntryRevisions(tx) }),
        bus,
        refreshExperience: experience.refresh,
        logger,
      }),
    },
    spool,
  });
  keptDepth = () => calls.kept.depth();
  // Amazon Connect (README "Amazon Connect"): its contact flow asks us, its contact events
  // keep the call's record, timeline entry and pop; its API where Connect holds the state.
  const connectCallEvents = createCallEventStore(db);
  const providerResources = createProviderResources(db);
  const connectApi =
    config.aws?.connectInstanceId && config.aws.region
      ? createConnectApi({ client: deps.connect?.client ?? createConnectClient({ region: config.aws.region }), instanceId: config.aws.connectInstanceId })
      : undefined;
  const connectFlow = createExternalFlow({
    provider: 'connect',
    calls: callRepo,
    callEvents: connectCallEvents,
    lookup,
    callers,
    customers,
    interactions,
    bus,
    routing,
    queueRef: async (queue) => (await providerResources.byName('connect', 'queue', queue))?.arn ?? null,
    // An accepted callback: Connect dials the caller back (StartOutboundVoiceContact) in the routed queue.
    callback: createExternalCallback({
      provider: 'connect',
      callEvents: connectCallEvents,
      dialer:
        connectApi && config.aws?.connectCallbackFlowId
          ? createConnectCallbackDialer({ api: connectApi, contactFlowId: config.aws.connectCallbackFlowId, queueId: async (queue) => (await providerResources.byName('connect', 'queue', queue))?.resourceId ?? null })
          : undefined,
      now,
      logger,
    }),
    consents,
    verifyPin: biometrics.verifyPin,
    watchlist: biometrics.watchlist,
    voice,
    voiceSpeechSeconds: biometrics.voiceSpeechSeconds.verify,
    // The pop's reads start while the caller is still in Connect's flow (a degraded lookup is read again later).
    onCaller: (call, caller) => {
      if (caller.status !== 'degraded') popContext.prefetch({ id: call.id, provider: call.provider, providerCallId: call.providerCallId, from: call.fromE164 ?? '' }, caller);
    },
    budgetMs: deps.connect?.answerBudgetMs ?? 1500,
    now,
    logger,
  });
  const connectedPops = createConnectedPops({
    store: createConnectedPopStore(db),
    context: popContext,
    callEvents: connectCallEvents,
    hub: deps.push ?? busPush(bus),
    summarize,
    now,
    logger,
    onCustomerShown: (customerId, agentId) =>
      accessLog.record({ at: now(), actor: 'system:screenpop', role: 'system', customerId, resource: 'pop', endpoint: 'screen_pop', onBehalfOf: agentId, outcome: 'allowed' }),
  });
  const connectEvents = createExternalCallEvents({
    provider: 'connect',
    calls: callRepo,
    callEvents: connectCallEvents,
    queueName: async (arn) => (await providerResources.byArn('connect', 'queue', arn))?.name ?? null,
    agentByRef: (arn) => agents.byConnectArn(arn),
    async onAgentConnected({ agent, call, initialCallId, connectedAt, enqueuedAt }) {
      const sent = await connectedPops.send({ agentId: agent.id, call, connectedAt, enqueuedAt });
      // The CCP can fetch the pop by our call id; ids only, never a name. Once, with the pop.
      if (sent)
        await connectApi
        ?.updateContactAttributes(initialCallId, { ccCallId: call.id, ccCustomerId: call.customerId ?? '' })
        .catch((err: unknown) => logger.warn({ err, callId: call.id }, 'UpdateContactAttributes failed: the pop went out regardless'));
    },
    kpisChanged: analytics.rollup.callChanged,
    logger,
  });
  const connect = {
    flow: createConnectFlowHandler({ flow: connectFlow, logger }),
    contactEvent: createContactEventHandler({ events: connectEvents, logger }),
  };
  // A new entry on a customer's timeline, from any channel, moves their experience score.
  const unsubscribeExperience = bus.subscribe(INTERACTION_RECORDED_CHANNEL, (message) => {
    const customerId = (message as InteractionRecorded).customerId;
    if (customerId) experience.refresh(customerId);
  });
  const tokens = createTokenVerifier(config.jwt);
  const hub = createAgentHub({ tokens, agents, messages, routing, presence, bus, logger, acknowledge: pipeline.acknowledge, frameLimits: deps.frameLimits });
  metrics.observe({
    queueStats: () => queues.queueStats(),
    // The supervisor hub is built below; this is only read when /metrics is scraped.
    sockets: { agent: () => hub.connectionCount(), supervisor: () => supervisors.connectionCount() },
    busHealthy: () => bus.health() === 'ok',
    now,
    onError: (source, err) => logger.warn({ source, err }, 'metrics source failed'),
  });
  const supervisorPolicy: AlertPolicy = { ...DEFAULT_ALERT_POLICY, ...deps.supervisor?.policy };
  const businessZone = deps.analytics?.zone ?? DEFAULT_ANALYTICS.zone;
  const supervisor = createLiveView({
    source: createLiveStats({ realtime: () => analytics.realtimeStats(), queueStats: () => queues.queueStats(), reads: createLiveReads(db) }),
    bus,
    customers,
    alerts: createAlertStore(db),
    policy: supervisorPolicy,
    now,
    logger,
    timers: deps.supervisor?.timers,
    minPushIntervalMs: deps.supervisor?.minPushIntervalMs,
    checkIntervalMs: deps.supervisor?.checkIntervalMs,
  });
  const supervisors = createSupervisorHub({
    tokens,
    view: supervisor,
    policy: supervisorPolicy,
    timeZone: businessZone,
    logger,
    now,
    frameLimits: deps.frameLimits,
  });
  // WebSocket endpoints by path; one upgrade listener dispatches them.
  const upgrades = new Map<string, UpgradeHandler>([
    [HUB_PATH, hub.handleUpgrade],
    [SUPERVISOR_PATH, supervisors.handleUpgrade],
  ]);
  // Twilio Media Streams for voice biometrics (audio in memory only, README: "Voice biometrics").
  const mediaStreams = createMediaStreams({ authToken: config.twilio.authToken, publicBaseUrl: config.publicBaseUrl, voice, logger, limits: deps.mediaStreamLimits });
  upgrades.set(MEDIA_STREAM_PATH, mediaStreams.handleUpgrade);
  let socketsClosed: Promise<void> | undefined;
  const closeSockets = () => (socketsClosed ??= Promise.all([hub.close(), supervisors.close(), mediaStreams.close()]).then(() => undefined));
  let draining = false;
  const erasureStore = createErasureStore(db);
  const erasure = createCustomerErasure({
    store: erasureStore,
    voice: () => (biometrics as { voice?: import('./biometrics/voice-types.js').VoiceBiometrics }).voice,
    bus,
    now,
    logger,
    parts: deps.privacy?.erasureParts,
  });
  const retention = createRetention({ targets: retentionTargets(db, { accessLog: accessLogStore, erasures: erasureStore, spool }), policy: deps.privacy?.retention, logger });
  const privacy = {
    erasure,
    flushAccessLog: () => accessLog.flush(),
    // Past retention, and the voiceprint deletions the vendor has not confirmed yet.
    async runRetention(at: Date) {
      const report = await retention.runRetention(at);
      await erasure.retryPendingVoiceprints();
      return report;
    },
  };
  let privacyRun: Promise<unknown> | undefined;
  const privacyTimer = deps.privacy?.retentionIntervalMs
    ? setInterval(() => {
        // One pass at a time: a slow pass is not overtaken by the next.
        privacyRun ??= privacy
          .runRetention(now())
          .catch((err: unknown) => logger.error({ err }, 'retention pass failed'))
          .finally(() => (privacyRun = undefined));
      }, deps.privacy.retentionIntervalMs)
    : undefined;
  privacyTimer?.unref();
  const stopPrivacy = async () => {
    if (privacyTimer) clearInterval(privacyTimer);
    unsubscribeErased();
    await privacyRun;
    await accessLog.stop();
  };

  const dispositions = createDispositionStore(db);
  const wrapUpDeps = { reads: createWrapUpReads(db), events: createCallEventStore(db), dispositions, now, onRecorded: analytics.rollup.callChanged };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(healthRouter({ database: createDbHealthRepo(db), isDraining: () => draining, bus }));
  app.use(metricsRouter({ registry: metrics.registry, token: config.metricsToken }));
  app.use('/webhooks', webhookTimer(metrics.webhookDuration));
  app.use('/webhooks/biometrics', biometricsWebhooks({ secret: voiceConfig.webhookSecret, voice, now, logger }));
  app.use('/webhooks/twilio', twilioWebhooks({ calls, countFallback: metrics.countFallback, authToken: config.twilio.authToken, publicBaseUrl: config.publicBaseUrl, logger, answerBudgetMs: deps.answerBudgetMs }));
  app.use('/agent', agentPage({ root: path.join(import.meta.dirname, '../public/agent'), voiceSdkFile: path.join(import.meta.dirname, '../node_modules/@twilio/voice-sdk/dist/twilio.min.js'), signallingHost: config.twilio.voice?.signallingHost }));
  // The console's charts: Chart.js from node_modules, no build step.
  app.use('/console/vendor/chart.js', express.static(path.join(import.meta.dirname, '../node_modules/chart.js/dist')));
  app.use('/console', express.static(path.join(import.meta.dirname, '../public/console')));
  app.use('/shared', express.static(path.join(import.meta.dirname, '../public/shared')));
  app.use('/api', express.json({ limit: '256kb' }));
  app.use('/api', customerReadRouter({ tokens, customers, interactions, access }));
  app.use('/api', privacyRouter({ tokens, erasure, accessLog, accessLogStore }));
  app.use('/api', apiRouter({ tokens, customers, interactions, agents, flows, bus }));
  app.use('/api', consentRouter({ tokens, customers, register: consents, access }));
  app.use('/api', biometricsRouter({ tokens, setPin: biometrics.setPin, watchlist: biometrics.watchlist }));
  const exportRepo = createCustomerExportRepo(db);
  app.use('/api', exportRouter({ tokens, logger, exportCustomer: (id) => exportCustomer({ repo: exportRepo, now }, id), logRead: (p, id) => access.logRead(p, id, 'export', 'GET /api/customers/:id/export') }));
  const simulate = (input: Parameters<typeof simulateRouting>[1]) => simulateRouting({ rules, agentState, agents, now }, input);
  app.use('/api', routingRouter({ tokens, rules, queues, simulate, routing, presence, now }));
  app.use('/api', surveyRouter({ tokens, settings: surveySettings, queueNames: async () => (await rules.knownNames()).queues, now }));
  app.use('/api', analyticsRouter({ tokens, analytics }));
  app.use('/api', supervisorRouter({ tokens, view: supervisor, policy: supervisorPolicy, timeZone: businessZone, now }));
  app.use('/api', wrapUpRouter({ tokens, wrapUp: (input) => wrapUpCall(wrapUpDeps, input) }));
  const transferReads = createTransferReads(db);
  app.use('/api', transferRouter({ tokens, transfer: (input) => transferCall({ reads: transferReads, routing }, input) }));
  const voiceTokens = config.twilio.voice && createTwilioVoiceTokens({ accountSid: config.twilio.accountSid, voice: config.twilio.voice });
  app.use('/api', voiceRouter({ tokens, tokenFor: createSoftphoneTokens({ agents, issue: voiceTokens, signallingHost: config.twilio.voice?.signallingHost }) }));
  app.use('/api', dispositionsRouter({ tokens, store: dispositions, queueNames: async () => (await rules.knownNames()).queues, now }));
  app.use(
    '/api',
    connectRouter({
      tokens,
      resources: providerResources,
      sync: connectApi && (() => syncProviderResources({ provider: 'connect', directory: connectApi, resources: providerResources, addQueue: rules.addQueue, agents, now, logger })),
      stats: connectApi,
    }),
  );
  app.use(notFound);
  app.use(errorHandler(logger));

  return {
    app,
    services: { surveys: { settings: surveySettings }, dispositions, experience, analytics, customers, interactions, agents, flows, calls, rules, presence, routing, bus, consents, biometrics, privacy, supervisor },
    softphones: { tokens, agents, messages, actions: { messages, routing, presence, acknowledge: pipeline.acknowledge, logger } },
    metrics,
    connect,
    settle: async () => {
      await routing.idle();
      await accessLog.flush();
      await supervisor.idle();
    },
    drain: () => {
      draining = true;
    },
    attachRealtime: (server) => routeUpgrades(server, upgrades),
    closeSockets,
    shutdown: async () => {
      await routing.stop();
      unsubscribeExperience();
      await experience.idle();
      await analytics.stop();
      await stopPrivacy();
      supervisor.close();
      await closeSockets();
      // Verdicts being fetched are stored; pending voiceprint deletions wait in the database.
      await voice.stop();
      // What is still kept stays on disk and is replayed at the next start.
      await calls.stop();
      spool.close();
    },
  };
}
