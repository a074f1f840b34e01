import { WebSocketServer, type WebSocket } from 'ws';
import type { TokenVerifier } from '../auth/tokens.js';
import type { Logger } from '../logger.js';
import type { AgentRepo, SoftphoneProfile } from '../routing/agent-repo.js';
import type { Presence } from '../routing/presence.js';
import type { RoutingService } from '../routing/routing-service.js';
import type { AgentMessageStore } from './agent-messages.js';
import { runClientFrame } from './client-actions.js';
import type { EventBus } from './event-bus.js';
import { createFrameLimiter, type FrameLimits } from './frame-limiter.js';
import { startHeartbeat } from './heartbeat.js';
import { admitUpgrade, refuseUpgrade } from './socket-auth.js';
import type { UpgradeHandler } from './upgrade-router.js';

export const AGENT_MESSAGE_CHANNEL = 'agent.message';
/**
 * On the bus: "re-send your agents their open pops". A node whose bus recovers publishes it,
 * reaching itself and every other node: pops published while it could not reach Redis, or
 * while it could not hear it, were lost on the way; the offers are still open in the database.
 */
export const AGENT_RESYNC_CHANNEL = 'agent.resync';
export const HUB_PATH = '/ws/agent';
/**
 * The largest frame a softphone may send. Its messages are a few hundred bytes; a larger
 * frame is closed with 1009 by ws before it is buffered whole.
 */
export const MAX_FRAME_BYTES = 64 * 1024;

/** On the bus: a message for every socket of one agent, on whichever node holds them. */
export interface AgentDelivery {
  agentId: string;
  message: Record<string, unknown>;
}

/** Sends to every socket of the agent, on whichever node holds them; needs no hub on this node. */
export async function deliverToAgent(bus: EventBus, agentId: string, message: Record<string, unknown>): Promise<void> {
  await bus.publish(AGENT_MESSAGE_CHANNEL, { agentId, message } satisfies AgentDelivery);
}

export interface AgentHub {
  /** Answers a WebSocket upgrade on HUB_PATH (the server's upgrade router sends it here). */
  handleUpgrade: UpgradeHandler;
  /** Sends to every socket of the agent, on every node. */
  deliver(agentId: string, message: Record<string, unknown>): Promise<void>;
  connectionCount(): number;
  close(): Promise<void>;
}

export interface AgentHubDeps {
  tokens: TokenVerifier;
  /** Admits and greets an agent's softphone. */
  agents: Pick<AgentRepo, 'softphoneProfile'>;
  messages: AgentMessageStore;
  routing: RoutingService;
  presence: Presence;
  bus: EventBus;
  logger: Logger;
  /** Records the agent's ack of a durable message (the screen pop pipeline also logs a pop's delivery). */
  acknowledge: (agentId: string, messageId: string) => Promise<void>;
  heartbeatMs?: number;
  /** Frames per socket and per agent (defaults in DEFAULT_FRAME_LIMITS). */
  frameLimits?: Partial<FrameLimits>;
}

/**
 * Agents' softphone sockets. Every durable message is in the database before it is sent,
 * so a reconnect (`resume`) or another node can replay it; sockets only carry it.
 */
export function createAgentHub(deps: AgentHubDeps): AgentHub {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, handleProtocols: (protocols) => (protocols.has('bearer') ? 'bearer' : false) });
  const sockets = new Map<string, Set<WebSocket>>();
  const limiter = createFrameLimiter(deps.frameLimits);
  let socketCount = 0;
  const send = (ws: WebSocket, message: Record<string, unknown>) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const unsubscribe = deps.bus.subscribe(AGENT_MESSAGE_CHANNEL, (raw) => {
    const { agentId, message } = raw as AgentDelivery;
    for (const ws of sockets.get(agentId) ?? []) send(ws, message);
  });

  /** `pending: true` as at connection time; the softphone de-duplicates pops by message id. */
  const sendOpenPops = async (agentId: string, to: Iterable<WebSocket>) => {
    const pops = await deps.messages.openPops(agentId);
    for (const ws of to) for (const pop of pops) send(ws, { ...pop, pending: true });
  };
  // One pass at a time, one agent at a time: a flapping connection or every node recovering at
  // once must not put a burst of queries per connected agent on the database.
  let resync: Promise<void> | undefined;
  let resyncAgain = false;
  const resendOpenPops = () => {
    if (resync) {
      resyncAgain = true;
      return;
    }
    resync = (async () => {
      do {
        resyncAgain = false;
        for (const agentId of [...sockets.keys()]) {
          // Re-read after each await: sockets come and go meanwhile (a new one got its pops on connecting).
          const set = sockets.get(agentId);
          if (set) await sendOpenPops(agentId, [...set]);
        }
      } while (resyncAgain);
    })()
      .catch((err: unknown) => deps.logger.error({ err }, 're-sending open pops failed'))
      .finally(() => {
        resync = undefined;
      });
  };
  const unsubscribeResync = deps.bus.subscribe(AGENT_RESYNC_CHANNEL, resendOpenPops);
  const offRecovered = deps.bus.onRecovered(() => void deps.bus.publish(AGENT_RESYNC_CHANNEL, {}));

  const heartbeat = startHeartbeat(function* () {
    for (const set of sockets.values()) yield* set;
  }, deps.heartbeatMs);

  const actions = { messages: deps.messages, routing: deps.routing, presence: deps.presence, acknowledge: deps.acknowledge, logger: deps.logger };

  /** One admitted frame (`text` undefined for a binary one). */
  function onFrame(ws: WebSocket, agentId: string, text: string | undefined): void {
    void runClientFrame(actions, agentId, text, (m) => send(ws, m));
  }

  async function onConnection(ws: WebSocket, agent: SoftphoneProfile): Promise<void> {
    const agentId = agent.id;
    let set = sockets.get(agentId);
    if (!set) sockets.set(agentId, (set = new Set()));
    set.add(ws);
    heartbeat.track(ws);
    // A protocol violation (invalid UTF-8, an oversized frame, a bad opcode): ws has already
    // closed this socket with the matching code (1007, 1009, 1002). Without a listener the
    // 'error' event would be thrown and take the whole process with it.
    ws.on('error', (err: Error & { code?: string }) => deps.logger.warn({ agentId, code: err.code }, 'agent socket closed on a bad frame'));
    ws.on('close', () => {
      set.delete(ws);
      if (set.size === 0) sockets.delete(agentId);
    });
    const socketKey = `${agentId}#${++socketCount}`;
    let limited = false;
    // Each frame is admitted in arrival order, then handled without waiting for the one before.
    let admitted: Promise<void> = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      admitted = admitted
        .then(async () => {
          if (ws.readyState !== ws.OPEN) return;
          const verdict = await limiter.admit(socketKey, agentId);
          if (verdict.kind === 'close') {
            deps.logger.warn({ agentId }, 'agent socket closed for flooding');
            ws.close(1008, 'too many messages');
            return;
          }
          if (verdict.kind === 'limited') {
            if (!limited) deps.logger.warn({ agentId }, 'agent socket rate-limited');
            limited = true;
            send(ws, { type: 'error', code: 'RATE_LIMITED', message: 'too many messages', retryAfterMs: verdict.retryAfterMs });
            return;
          }
          onFrame(ws, agentId, isBinary ? undefined : data.toString());
        })
        .catch((err: unknown) => deps.logger.error({ err, agentId }, 'socket frame failed'));
    });

    const { lastSeq, ...profile } = agent;
    // serverTime lets the page run offer countdowns on our clock, not the laptop's.
    send(ws, { type: 'hello', agent: profile, lastSeq, serverTime: new Date().toISOString() });
    // A refreshed page or a laptop waking up must see an open offer at once, not on the next one.
    await sendOpenPops(agentId, [ws]);
  }

  return {
    handleUpgrade(req, socket, head) {
      void (async () => {
        const principal = admitUpgrade(req, socket, deps.tokens, ['agent'], 'only agents have a softphone');
        if (!principal) return;
        // The same read admits the agent and greets them.
        const agent = await deps.agents.softphoneProfile(principal.sub).catch(() => undefined);
        if (!agent) return refuseUpgrade(socket, 403, `no agent '${principal.sub}'`);
        wss.handleUpgrade(req, socket, head, (ws) => {
          onConnection(ws, agent).catch((err: unknown) => {
            deps.logger.error({ err, agentId: principal.sub }, 'socket setup failed');
            ws.close(1011, 'setup failed');
          });
        });
      })();
    },

    deliver: (agentId, message) => deliverToAgent(deps.bus, agentId, message),

    connectionCount() {
      let n = 0;
      for (const set of sockets.values()) n += set.size;
      return n;
    },

    async close() {
      heartbeat.stop();
      unsubscribe();
      unsubscribeResync();
      offRecovered();
      // 1012 (service restart): the softphone reconnects at once, through the load balancer, to another node.
      for (const set of sockets.values()) for (const ws of set) ws.close(1012, 'service restart: reconnect');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

