// AWS Lambda entries, named in serverless.yml. Each is a thin wrapper around the same app as
// server.ts (src/app.ts's buildApp), composed for Lambda in src/serverless/lambda-app.ts and
// built once per container, on its first request.
import type { Context, EventBridgeEvent, ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { WebSocketApiEvent, WebSocketApiResult } from './realtime/apigw-socket.js';
import { bootLambdaApp, type LambdaApp, type MaintenanceJob } from './serverless/lambda-app.js';

let booting: Promise<LambdaApp> | undefined;

/** The container's app; a failed start (database unreachable) is tried again on the next request. */
function lambdaApp(): Promise<LambdaApp> {
  booting ??= bootLambdaApp(process.env).catch((err: unknown) => {
    booting = undefined;
    throw err;
  });
  return booting;
}

/** Runs `fn`, then waits for what it set going (a dispatch pass and its pops) before Lambda freezes the container. */
async function answer<T>(fn: (app: LambdaApp) => Promise<T>): Promise<T> {
  const app = await lambdaApp();
  try {
    return await fn(app);
  } finally {
    await app.settle().catch((err: unknown) => app.logger.error({ err }, 'background work failed'));
  }
}

/** HTTP API (payload 2.0): /webhooks/* (Twilio, the biometrics vendor) and /api/*, through the Express app. */
export const http = (event: unknown, context: Context): Promise<unknown> => answer((app) => app.http(event as never, context as never));

/** Amazon Connect's "Invoke AWS Lambda function" block: lookup, route, verify, pin, log. */
export const connectFlow = (event: unknown): Promise<Record<string, string>> => answer((app) => app.built.connect.flow(event));

/** EventBridge: source aws.connect, detail-type "Amazon Connect Contact Event". */
export const contactEvent = (event: EventBridgeEvent<string, unknown>): Promise<void> => answer((app) => app.built.connect.contactEvent(event));

/** API Gateway WebSocket API: $connect (the JWT check), $disconnect, $default (the softphone's messages). */
export const agentSocket = (event: WebSocketApiEvent): Promise<WebSocketApiResult> => answer((app) => app.socket.handle(event));

/** EventBridge schedule, every minute: timeouts, wrap-ups and escalations nobody woke routing for, and reconciliation. */
export const routingTick = (_event: ScheduledEvent): Promise<void> => answer((app) => app.tick());

/** SQS: routing's wake-ups (offer timeouts, escalation steps, wrap-up ends) and softphone greetings. */
export const routingTimers = (event: SQSEvent): Promise<SQSBatchResponse> => answer((app) => app.timers(event));

/** EventBridge schedules with their job as input: the KPI rollup's tick and sweep, the retention pass. */
export const maintenance = (event: { job?: MaintenanceJob }): Promise<void> => answer((app) => app.maintenance(event.job as MaintenanceJob));
