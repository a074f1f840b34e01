import type { ExternalCallEvents, ProviderCallEvent } from '../../src/calls/external-events.js';
import type { Logger } from '../../src/logger.js';
import { camelKeys, parseOrThrow, ZContactEvent, type TContactEvent } from './schemas.js';

const date = (s: string | undefined) => (s ? new Date(s) : null);

/** When the event happened: its own timestamp where the data model has one, else EventBridge's. */
function happenedAt(e: TContactEvent): Date | null {
  const d = e.detail;
  const own: Record<string, string | undefined> = {
    INITIATED: d.initiationTimestamp,
    QUEUED: d.queueInfo?.enqueueTimestamp,
    CONNECTED_TO_AGENT: d.agentInfo?.connectedToAgentTimestamp,
    DISCONNECTED: d.disconnectTimestamp,
  };
  return date(own[d.eventType] ?? e.time ?? undefined);
}

/**
 * The agent's after-contact work (COMPLETED), by Connect's clock: its start and end, either
 * one worked out from the other and the duration when only two of the three came. Null when
 * there was none (no agent, ACW skipped) or what came does not make a stretch.
 */
function wrapUpOf(e: TContactEvent): { startedAt: Date; endedAt: Date } | null {
  const a = e.detail.agentInfo;
  const ms = a?.afterContactWorkDuration != null ? a.afterContactWorkDuration * 1000 : null;
  let startedAt = date(a?.afterContactWorkStartTimestamp);
  let endedAt = date(a?.afterContactWorkEndTimestamp);
  if (startedAt && !endedAt && ms !== null) endedAt = new Date(startedAt.getTime() + ms);
  if (endedAt && !startedAt && ms !== null) startedAt = new Date(endedAt.getTime() - ms);
  return startedAt && endedAt && endedAt >= startedAt ? { startedAt, endedAt } : null;
}

/** EventBridge contact event -> the domain's event: names only. */
export function toProviderEvent(e: TContactEvent): ProviderCallEvent | undefined {
  const at = happenedAt(e);
  if (!at) return undefined;
  const d = e.detail;
  return {
    providerCallId: d.contactId,
    initialCallId: d.initialContactId ?? null,
    type: d.eventType,
    at,
    startedAt: date(d.initiationTimestamp),
    endedAt: date(d.disconnectTimestamp),
    enqueuedAt: date(d.queueInfo?.enqueueTimestamp),
    queueRef: d.queueInfo?.queueArn ?? null,
    agentRef: d.agentInfo?.agentArn ?? null,
    from: d.customerEndpoint?.address || null,
    wrapUp: wrapUpOf(e),
  };
}

/**
 * The EventBridge target for "Amazon Connect Contact Event". Delivery is at-least-once and
 * unordered; the domain makes repeats harmless. An event we cannot use (malformed, a chat,
 * no timestamp) is logged and acknowledged: delivering it again would not help. Only a store
 * failure throws, so that EventBridge/Lambda delivers the event again.
 */
export function createContactEventHandler(deps: { events: ExternalCallEvents; logger: Logger }): (event: unknown) => Promise<void> {
  return async (event) => {
    let parsed: TContactEvent;
    try {
      const raw = event && typeof event === 'object' && 'detail' in event ? { ...(event as Record<string, unknown>), detail: camelKeys((event as { detail: unknown }).detail) } : event;
      parsed = parseOrThrow(ZContactEvent, raw, 'event');
    } catch (err) {
      deps.logger.warn({ err: { message: (err as Error).message } }, 'connect contact event ignored: malformed');
      return;
    }
    if (parsed.detail.channel && parsed.detail.channel.toUpperCase() !== 'VOICE') {
      deps.logger.debug({ channel: parsed.detail.channel }, 'connect contact event ignored: not a voice contact');
      return;
    }
    const e = toProviderEvent(parsed);
    if (!e) {
      deps.logger.warn({ eventType: parsed.detail.eventType }, 'connect contact event ignored: no timestamp');
      return;
    }
    const outcome = await deps.events.handle(e);
    deps.logger.debug({ eventType: e.type, outcome }, 'connect contact event');
  };
}
