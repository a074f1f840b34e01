import type { Principal } from '../auth/tokens.js';
import { AppError } from '../errors.js';
import type { AccessLog } from './access-log.js';
import type { AccessResource } from './access-log-store.js';
import type { RelationshipRepo } from './relationship-repo.js';

/** The scope a service token needs per resource; consents stay readable by every service (the IVR asks before it records). */
export const SCOPE_FOR: Partial<Record<AccessResource, string>> = { profile: 'customers:read', timeline: 'timeline:read' };

export interface CustomerAccess {
  /**
   * Throws 403 unless the principal may read this customer's `resource`: admins and
   * supervisors read all (the export is the admins'); an agent only while they have, or
   * within `agentWindowHours` had, a call with the customer (NOT_YOUR_CUSTOMER); a service
   * token what its scope names (MISSING_SCOPE). A refusal is in the access log.
   */
  check(principal: Principal, customerId: string, resource: AccessResource, endpoint: string): Promise<void>;
  /** Logs a read that was answered. */
  logRead(principal: Principal, customerId: string, resource: AccessResource, endpoint: string): void;
  /** For an agent: of these calls, the ones whose IVR inputs they may see (they were offered or handled them). */
  visibleCalls(principal: Principal, callIds: string[]): Promise<Set<string> | 'all'>;
}

export function createCustomerAccess(deps: { relationships: RelationshipRepo; log: AccessLog; now: () => Date; agentWindowHours?: number }): CustomerAccess {
  const windowMs = (deps.agentWindowHours ?? 24) * 3600_000;
  const entry = (p: Principal, customerId: string, resource: AccessResource, endpoint: string, outcome: 'allowed' | 'refused') =>
    deps.log.record({ at: deps.now(), actor: p.sub, role: p.role, customerId, resource, endpoint, outcome });

  async function refusal(p: Principal, customerId: string, resource: AccessResource): Promise<AppError | undefined> {
    switch (p.role) {
      case 'admin':
        return undefined;
      case 'supervisor':
        return resource === 'export' ? new AppError('FORBIDDEN', `role 'supervisor' may not do this`) : undefined;
      case 'service': {
        const scope = SCOPE_FOR[resource];
        if (resource === 'export') return new AppError('FORBIDDEN', `role 'service' may not do this`);
        return scope && !p.scopes?.includes(scope) ? new AppError('MISSING_SCOPE', `this token's scope does not include ${scope}`) : undefined;
      }
      case 'agent': {
        if (resource === 'export') return new AppError('FORBIDDEN', `role 'agent' may not do this`);
        const since = new Date(deps.now().getTime() - windowMs);
        const served = await deps.relationships.servedSince(p.sub, customerId, since);
        return served ? undefined : new AppError('NOT_YOUR_CUSTOMER', `agents read a customer only during or within ${windowMs / 3600_000} h of a call with them`);
      }
    }
  }

  return {
    async check(p, customerId, resource, endpoint) {
      const refused = await refusal(p, customerId, resource);
      if (!refused) return;
      entry(p, customerId, resource, endpoint, 'refused');
      throw refused;
    },
    logRead: (p, customerId, resource, endpoint) => entry(p, customerId, resource, endpoint, 'allowed'),
    async visibleCalls(p, callIds) {
      if (p.role !== 'agent') return 'all';
      return deps.relationships.handledCalls(p.sub, callIds);
    },
  };
}
