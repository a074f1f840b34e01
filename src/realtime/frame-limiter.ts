import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * How many frames an agent's softphone may send. A person clicking produces a few frames a
 * minute; the busiest honest moment is a reconnect (resume, then an ack per replayed message)
 * or a double-click, a handful within a second. The defaults are well above that and well
 * below what hurts: each admitted `status` is a database write and a routing pass.
 */
export interface FrameLimits {
  /** Frames one socket may send per second, sustained. */
  socketPerSecond: number;
  /** Frames one socket may send in a single second; the allowance above `socketPerSecond` renews every 10 s. */
  socketBurst: number;
  /** The same for all of one agent's sockets together (every tab, every node-local socket). */
  agentPerSecond: number;
  agentBurst: number;
  /** A socket that sends more frames than this within 10 s (admitted or not) is closed with 1008. */
  closeAbove: number;
}

export const DEFAULT_FRAME_LIMITS: FrameLimits = {
  socketPerSecond: 10,
  socketBurst: 20,
  // Two or three tabs of one agent each at their own limit.
  agentPerSecond: 20,
  agentBurst: 40,
  // Ten times the sustained socket limit, kept up for 10 s.
  closeAbove: 1000,
};

const BURST_RENEW_SECONDS = 10;
const CLOSE_WINDOW_SECONDS = 10;

export type FrameVerdict = { kind: 'ok' } | { kind: 'limited'; retryAfterMs: number } | { kind: 'close' };

export interface FrameLimiter {
  /** Counts one frame from a socket of an agent and says whether to handle it. */
  admit(socketKey: string, agentId: string): Promise<FrameVerdict>;
}

/** A steady rate with a burst on top: the burst limiter is only drawn on once the steady one is spent. */
function bursty(perSecond: number, burst: number): BurstyRateLimiter {
  return new BurstyRateLimiter(
    new RateLimiterMemory({ points: perSecond, duration: 1 }),
    new RateLimiterMemory({ points: Math.max(0, burst - perSecond), duration: BURST_RENEW_SECONDS }),
  );
}

/** Resolves to the limiter's rejection (when over the limit) instead of throwing it. */
async function overLimit(consumed: Promise<RateLimiterRes>): Promise<RateLimiterRes | undefined> {
  try {
    await consumed;
    return undefined;
  } catch (res) {
    if (res instanceof RateLimiterRes) return res;
    throw res;
  }
}

/**
 * Per socket and per agent, in this node's memory: a socket lives on one node, and what the
 * limits protect — this node's event loop and the database writes it makes — is per node too.
 * A shared store (Redis) would put a network round trip on every frame and stop the
 * softphones working whenever Redis is down.
 */
export function createFrameLimiter(limits: Partial<FrameLimits> = {}): FrameLimiter {
  const l = { ...DEFAULT_FRAME_LIMITS, ...limits };
  const abuse = new RateLimiterMemory({ points: l.closeAbove, duration: CLOSE_WINDOW_SECONDS });
  const socket = bursty(l.socketPerSecond, l.socketBurst);
  const agent = bursty(l.agentPerSecond, l.agentBurst);
  return {
    async admit(socketKey, agentId) {
      if (await overLimit(abuse.consume(socketKey))) return { kind: 'close' };
      // A frame the socket limit refuses costs the agent nothing: one flooding tab cannot
      // use up the allowance of the agent's other tabs.
      const refused = (await overLimit(socket.consume(socketKey))) ?? (await overLimit(agent.consume(agentId)));
      return refused ? { kind: 'limited', retryAfterMs: Math.max(1, Math.ceil(refused.msBeforeNext)) } : { kind: 'ok' };
    },
  };
}
