import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Presence } from '../routing/presence.js';
import type { RoutingService } from '../routing/routing-service.js';
import type { AgentMessageStore } from './agent-messages.js';
import { parseClientMessage, type TClientMessage } from './client-messages.js';

export interface ClientActionDeps {
  messages: Pick<AgentMessageStore, 'since'>;
  routing: Pick<RoutingService, 'accept' | 'reject' | 'dispatch'>;
  presence: Pick<Presence, 'setStatus'>;
  /** Records the agent's ack of a durable message. */
  acknowledge: (agentId: string, messageId: string) => Promise<void>;
  logger: Logger;
}

/** Where the answers to one frame go: the socket it came on (ws), or that connection through API Gateway. */
export type Reply = (message: Record<string, unknown>) => Promise<void> | void;

/**
 * What a softphone's message does, whichever socket carried it (the `ws` hub of server.ts or
 * API Gateway's WebSocket API in Lambda): one place, so both speak the same protocol.
 */
export async function runClientMessage(deps: ClientActionDeps, agentId: string, msg: TClientMessage, reply: Reply): Promise<void> {
  switch (msg.type) {
    case 'ack':
      await deps.acknowledge(agentId, msg.id);
      return;
    case 'resume':
      for (const m of await deps.messages.since(agentId, msg.lastSeq)) await reply(m);
      return;
    case 'status': {
      const ev = await deps.presence.setStatus(agentId, { status: msg.status, reason: msg.reason }, 'socket');
      if (ev.changed) void deps.routing.dispatch({ agentsChanged: true });
      await reply({ type: 'result', for: 'status', ok: true, state: ev.state, changed: ev.changed });
      return;
    }
    case 'wrapup_done': {
      const ev = await deps.presence.setStatus(agentId, { status: 'available' }, 'socket', { cause: 'wrap_up_done' });
      if (ev.changed) void deps.routing.dispatch({ agentsChanged: true });
      await reply({ type: 'result', for: 'wrapup_done', ok: true, state: ev.state, changed: ev.changed });
      return;
    }
    case 'accept':
      await deps.routing.accept(msg.reservationId, agentId);
      await reply({ type: 'result', for: 'accept', ok: true, reservationId: msg.reservationId });
      return;
    case 'reject':
      await deps.routing.reject(msg.reservationId, agentId);
      await reply({ type: 'result', for: 'reject', ok: true, reservationId: msg.reservationId });
      return;
  }
}

/**
 * One raw frame (`text` undefined for a binary one): parsed, run, and any failure answered as
 * a `result` with `ok: false` (or an `error` for a frame that is not a message). Never rejects.
 */
export async function runClientFrame(deps: ClientActionDeps, agentId: string, text: string | undefined, reply: Reply): Promise<void> {
  const parsed = text === undefined ? { ok: false as const, reason: 'binary frames are not supported' } : parseClientMessage(text);
  try {
    if (!parsed.ok) {
      await reply({ type: 'error', code: 'BAD_MESSAGE', message: parsed.reason });
      return;
    }
    await runClientMessage(deps, agentId, parsed.message, reply);
  } catch (err) {
    const e = err instanceof AppError ? err : undefined;
    const type = parsed.ok ? parsed.message.type : undefined;
    if (!e) deps.logger.error({ err, agentId, type }, 'socket message failed');
    const reservationId = parsed.ok && 'reservationId' in parsed.message ? parsed.message.reservationId : undefined;
    await Promise.resolve(reply({ type: 'result', for: type, ok: false, ...(reservationId ? { reservationId } : {}), error: { code: e?.code ?? 'INTERNAL', message: e?.message ?? 'internal error' } })).catch(
      (replyErr: unknown) => deps.logger.warn({ err: replyErr, agentId }, 'could not answer a socket message'),
    );
  }
}
