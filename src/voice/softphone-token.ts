import { AppError } from '../errors.js';
import type { AgentRepo } from '../routing/agent-repo.js';

/** A signed token for one softphone identity, and when it stops working. */
export type VoiceTokenIssuer = (identity: string) => { token: string; expiresAt: Date };

/** `GET /api/voice/token`'s answer (the token is the caller's secret: never logged). */
export interface SoftphoneToken {
  token: string;
  identity: string;
  expiresAt: string;
  /** Test hook (TWILIO_VOICE_SIGNALLING_HOST): where the page registers instead of Twilio's edge. */
  signallingHost?: string;
}

/**
 * The token an agent's softphone registers for audio with, for the Twilio client identity an
 * admin gave them (the one accepted calls are dialled to). No issuer: the deployment has no
 * voice setup (503); an agent without an identity cannot be dialled, so a token would ring
 * nothing: 409 until an admin sets one.
 */
export function createSoftphoneTokens(deps: { agents: Pick<AgentRepo, 'get'>; issue?: VoiceTokenIssuer; signallingHost?: string }) {
  return async function tokenFor(agentId: string): Promise<SoftphoneToken> {
    if (!deps.issue) throw new AppError('VOICE_NOT_CONFIGURED', 'audio in the browser is not configured on this server (TWILIO_API_KEY, TWILIO_API_SECRET, TWILIO_TWIML_APP_SID)');
    const issue = deps.issue;
    const agent = await deps.agents.get(agentId);
    if (!agent) throw new AppError('NOT_FOUND', `no agent '${agentId}'`);
    if (!agent.twilioIdentity) throw new AppError('NO_VOICE_IDENTITY', `agent '${agentId}' has no twilioIdentity; an admin sets it with PUT /api/agents/:id`);
    const { token, expiresAt } = issue(agent.twilioIdentity);
    return { token, identity: agent.twilioIdentity, expiresAt: expiresAt.toISOString(), ...(deps.signallingHost ? { signallingHost: deps.signallingHost } : {}) };
  };
}
