import express from 'express';
import { createTokenVerifier } from './auth/tokens.js';
import { createCallRepo } from './calls/call-repo.js';
import { createCallService, type CallService } from './calls/call-service.js';
import type { Config } from './config.js';
import { createCustomerRepo, type CustomerRepo } from './crm/customer-repo.js';
import { createCallerLookup } from './crm/lookup.js';
import type { Db } from './db/client.js';
import { apiRouter } from './http/api-router.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { healthRouter } from './http/health-router.js';
import { createFlowStore, type FlowStore } from './ivr/flow-store.js';
import type { Logger } from './logger.js';
import { createAgentRepo, type AgentRepo } from './routing/agent-repo.js';
import { createInteractionRepo, type InteractionRepo } from './timeline/interaction-repo.js';
import { twilioWebhooks } from '../webhooks/twilio/router.js';

export interface AppDeps {
  config: Pick<Config, 'publicBaseUrl' | 'twilio' | 'jwt' | 'crmLookupBudgetMs'>;
  db: Db;
  logger: Logger;
  now?: () => Date;
  /** Which IVR flow answers inbound calls. */
  flowName?: string;
}

export interface Services {
  customers: CustomerRepo;
  interactions: InteractionRepo;
  agents: AgentRepo;
  flows: FlowStore;
  calls: CallService;
}

export interface App {
  app: express.Express;
  services: Services;
  /** Flip readiness to 503 so the load balancer stops sending new work before shutdown. */
  drain(): void;
}

/** The composition root: every service is built here from explicit collaborators. */
export function buildApp(deps: AppDeps): App {
  const now = deps.now ?? (() => new Date());
  const customers = createCustomerRepo(deps.db);
  const interactions = createInteractionRepo(deps.db);
  const agents = createAgentRepo(deps.db);
  const flows = createFlowStore(deps.db);
  const lookup = createCallerLookup({ customers, interactions, budgetMs: deps.config.crmLookupBudgetMs, logger: deps.logger });
  const calls = createCallService({ calls: createCallRepo(deps.db), flows, lookup, flowName: deps.flowName ?? 'main', now });
  const tokens = createTokenVerifier(deps.config.jwt);
  let draining = false;

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(healthRouter({ db: deps.db, isDraining: () => draining }));
  app.use(
    '/webhooks/twilio',
    twilioWebhooks({ calls, authToken: deps.config.twilio.authToken, publicBaseUrl: deps.config.publicBaseUrl, logger: deps.logger }),
  );
  app.use('/api', apiRouter({ tokens, customers, interactions, agents, flows }));
  app.use(notFound);
  app.use(errorHandler(deps.logger));

  return {
    app,
    services: { customers, interactions, agents, flows, calls },
    drain: () => {
      draining = true;
    },
  };
}
