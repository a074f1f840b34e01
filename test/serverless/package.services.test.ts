import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareService, SERVERLESS_BIN, serviceEnv } from '../helpers/lambda-service.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
// AWS Lambda's limits for a .zip deployment package.
const ZIP_LIMIT = 50 * MiB;
const UNZIPPED_LIMIT = 250 * MiB;

type Resource = { Type: string; Properties: Record<string, any> };
let service: Awaited<ReturnType<typeof prepareService>>;
let resources: Record<string, Resource>;
let zipPath: string;
let unzipped: string;

beforeAll(async () => {
  service = await prepareService();
  // No AWS credentials anywhere: packaging is offline.
  await run(SERVERLESS_BIN, ['package', '--stage', 'test'], { cwd: service.dir, env: serviceEnv(), timeout: 120_000 });
  const out = path.join(service.dir, '.serverless');
  resources = (JSON.parse(readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as { Resources: Record<string, Resource> }).Resources;
  zipPath = path.join(out, 'cc-screenpop.zip');
  unzipped = mkdtempSync(path.join(os.tmpdir(), 'cc-sls-zip-'));
  await run('unzip', ['-q', zipPath, '-d', unzipped]);
}, 180_000);

afterAll(() => {
  service?.remove();
  if (unzipped) rmSync(unzipped, { recursive: true, force: true });
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const fn = (logicalId: string) => resources[logicalId]!.Properties;

describe('serverless package (osls 3, offline)', () => {
  it('packages seven functions, each pointing at an export of the bundle in the zip', async () => {
    const functions = Object.fromEntries(ofType('AWS::Lambda::Function').map(([id, r]) => [id, r.Properties.Handler as string]));
    expect(functions).toEqual({
      HttpLambdaFunction: 'dist/lambda/index.http',
      ConnectFlowLambdaFunction: 'dist/lambda/index.connectFlow',
      ContactEventLambdaFunction: 'dist/lambda/index.contactEvent',
      AgentSocketLambdaFunction: 'dist/lambda/index.agentSocket',
      RoutingTickLambdaFunction: 'dist/lambda/index.routingTick',
      RoutingTimersLambdaFunction: 'dist/lambda/index.routingTimers',
      MaintenanceLambdaFunction: 'dist/lambda/index.maintenance',
    });
    // The zip holds the bundle and nothing else (no node_modules: everything is in it).
    const { stdout: listing } = await run('unzip', ['-Z1', zipPath]);
    expect(listing.trim().split('\n')).toEqual(['dist/lambda/index.mjs']);
    // What Lambda's Node runtime does with "dist/lambda/index.<name>": import the module, call the export.
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(path.join(unzipped, 'dist/lambda/index.mjs'))}); console.log(JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v]))));`], { cwd: os.tmpdir() });
    const exported = JSON.parse(stdout) as Record<string, string>;
    for (const handler of Object.values(functions)) expect(exported[handler.split('.').pop()!], handler).toBe('function');
    for (const [id] of ofType('AWS::Lambda::Function')) expect(fn(id).Runtime).toBe('nodejs22.x');
  });

  it('stays under Lambda size limits (sizes reported)', () => {
    const zip = statSync(zipPath).size;
    const bundle = statSync(path.join(unzipped, 'dist/lambda/index.mjs')).size;
    console.log(`lambda package: zip ${(zip / MiB).toFixed(2)} MiB, unzipped bundle ${(bundle / MiB).toFixed(2)} MiB`);
    expect(zip).toBeLessThan(ZIP_LIMIT);
    expect(bundle).toBeLessThan(UNZIPPED_LIMIT);
  });

  it('routes /webhooks and /api through the HTTP API, and the agent socket routes through the WebSocket API', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey as string).sort();
    expect(routes).toEqual(['$connect', '$default', '$disconnect', 'ANY /api/{proxy+}', 'ANY /webhooks/{proxy+}']);
    const apis = ofType('AWS::ApiGatewayV2::Api').map(([, r]) => r.Properties.ProtocolType as string).sort();
    expect(apis).toEqual(['HTTP', 'WEBSOCKET']);
  });

  it('subscribes contact events on EventBridge, runs routing, the KPI rollup and retention on schedules, and consumes the timer queue per message', () => {
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties);
    expect(rules.find((r) => r.EventPattern)?.EventPattern).toEqual({ source: ['aws.connect'], 'detail-type': ['Amazon Connect Contact Event'] });
    const schedules = rules
      .filter((r) => r.ScheduleExpression)
      .map((r) => ({ rate: r.ScheduleExpression, target: r.Targets[0].Arn['Fn::GetAtt'][0], input: r.Targets[0].Input && JSON.parse(r.Targets[0].Input) }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(schedules).toEqual([
      { rate: 'rate(1 hour)', target: 'MaintenanceLambdaFunction', input: { job: 'kpi_sweep' } },
      { rate: 'rate(1 hour)', target: 'MaintenanceLambdaFunction', input: { job: 'retention' } },
      { rate: 'rate(1 minute)', target: 'MaintenanceLambdaFunction', input: { job: 'kpi_rollup' } },
      { rate: 'rate(1 minute)', target: 'RoutingTickLambdaFunction', input: undefined },
    ]);
    const [[, mapping]] = ofType('AWS::Lambda::EventSourceMapping') as [[string, Resource]];
    expect(mapping.Properties).toMatchObject({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'], EventSourceArn: { 'Fn::GetAtt': ['TimerQueue', 'Arn'] } });
    expect(fn('HttpLambdaFunction').Environment.Variables.TIMER_QUEUE_URL).toEqual({ Ref: 'TimerQueue' });
  });

  it('gives each function its own role, with no wildcard action and no resource-wide grant', () => {
    const roleOf = (id: string) => (fn(id).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const actions = (roleId: string) =>
      ((resources[roleId]!.Properties.Policies ?? []) as Array<{ PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } }>)
        .flatMap((p) => p.PolicyDocument.Statement)
        .flatMap((s) => {
          expect(s.Resource).not.toBe('*');
          return ([] as string[]).concat(s.Action);
        })
        .sort();
    expect(actions(roleOf('AgentSocketLambdaFunction'))).toEqual(['connect:StartOutboundVoiceContact', 'execute-api:ManageConnections', 'sqs:SendMessage']);
    expect(actions(roleOf('ConnectFlowLambdaFunction'))).toEqual(['connect:StartOutboundVoiceContact', 'connect:UpdateContactAttributes', 'sqs:SendMessage']);
    expect(actions(roleOf('RoutingTimersLambdaFunction'))).toEqual(['execute-api:ManageConnections', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage']);
    expect(actions(roleOf('MaintenanceLambdaFunction'))).toEqual([]);
    for (const [id] of ofType('AWS::IAM::Role')) for (const a of actions(id)) expect(a).not.toMatch(/\*/);
  });
});
