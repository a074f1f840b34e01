import { AppError } from '../errors.js';
import type { CustomerExportRepo, ExportCallRow, ExportInteractionRow, PageAfter } from './customer-export-repo.js';

/** What each section of the document holds, for the person reading it. */
export const EXPORT_ABOUT = {
  document: 'Everything this contact center holds about one customer, as of exportedAt (UTC times throughout).',
  profile: 'The customer record: name, preferred language, service tier, account value, the reference in the company CRM, when it was created and last changed.',
  phones: 'The phone numbers recognised as this customer when they call.',
  consents: 'Every consent answer ever given, oldest first: the purpose, granted or withdrawn, when, through which channel, the version of the wording answered and who recorded it. The last answer per purpose is the one that stands.',
  timeline: 'Every interaction on any channel (calls, messages, emails, consent changes, ...), newest first, with its summary, full text, detected sentiment and status.',
  calls: 'Every phone call linked to the customer, newest first: numbers, times, how it ended, the queue and intent; the IVR steps with what was keyed or said (inputs marked sensitive were stored masked as ***); what happened to the call afterwards (events); and the screen pops shown to agents about it, as the agent saw them, with when they were sent and acknowledged.',
} as const;

/** Rows read per query: a long history is streamed a page at a time instead of held whole. */
const INTERACTION_PAGE = 500;
const CALL_PAGE = 100;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function timelineItem(row: ExportInteractionRow) {
  return {
    id: row.id,
    at: iso(row.at),
    channel: row.channel,
    type: row.type,
    status: row.status,
    summary: row.summary,
    text: row.text,
    sentiment: row.sentimentLabel === null ? null : { label: row.sentimentLabel, score: row.sentimentScore },
    callId: row.callId,
    details: row.details ?? null,
  };
}

async function* pages<T extends { id: string }>(read: (after: PageAfter | undefined) => Promise<T[]>, limit: number, at: (row: T) => Date): AsyncGenerator<T[]> {
  let after: PageAfter | undefined;
  for (;;) {
    const rows = await read(after);
    if (rows.length > 0) yield rows;
    if (rows.length < limit) return;
    const last = rows[rows.length - 1]!;
    after = { at: at(last), id: last.id };
  }
}

/** A page of calls with their steps, events and pops (two extra queries per page, not per call). */
async function callItems(repo: CustomerExportRepo, rows: ExportCallRow[]) {
  const ids = rows.map((c) => c.id);
  const [events, pops] = await Promise.all([repo.callEvents(ids), repo.screenPops(ids)]);
  return rows.map((c) => ({
    id: c.id,
    provider: c.provider,
    providerCallId: c.providerCallId,
    from: c.fromE164 ?? c.fromRaw,
    to: c.to,
    language: c.language,
    startedAt: iso(c.startedAt),
    endedAt: iso(c.endedAt),
    status: c.status,
    endStatus: c.endStatus,
    durationSeconds: c.durationSeconds,
    queue: c.queue,
    intent: c.intent,
    ivrSteps: c.steps.map((s) => ({ seq: s.seq, nodeId: s.nodeId, input: s.input, result: s.result, at: iso(s.createdAt) })),
    events: events.filter((e) => e.callId === c.id).map((e) => ({ type: e.type, at: iso(e.at), data: e.data })),
    screenPops: pops.filter((p) => p.callId === c.id).map((p) => ({ agentId: p.agentId, sentAt: iso(p.createdAt), ackedAt: iso(p.ackedAt), payload: p.payload })),
  }));
}

/** Pretty JSON nested `depth` levels deep (JSON.stringify only puts newlines between tokens). */
const pretty = (value: unknown, depth: number) => JSON.stringify(value, null, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);

/** Writes `"key": [ ...items ]` at depth 1 from pages of items. */
async function* arrayField(key: string, items: AsyncIterable<unknown[]>): AsyncGenerator<string> {
  yield `  ${JSON.stringify(key)}: [`;
  let count = 0;
  for await (const page of items) {
    let chunk = '';
    for (const item of page) chunk += `${count++ === 0 ? '' : ','}\n    ${pretty(item, 2)}`;
    yield chunk;
  }
  yield count === 0 ? ']' : '\n  ]';
}

/**
 * The customer's export (issue 12, PDPL right of access): one JSON document, produced as
 * text chunks so a customer with tens of thousands of interactions is streamed rather than
 * built in memory. Throws NOT_FOUND before producing anything when the customer is unknown;
 * a read failing later ends the stream early (the caller must abort the response).
 */
export async function exportCustomer(deps: { repo: CustomerExportRepo; now: () => Date }, customerId: string): Promise<AsyncIterable<string>> {
  const { repo } = deps;
  const customer = await repo.profile(customerId);
  if (!customer) throw new AppError('NOT_FOUND', 'no such customer');
  const consents = await repo.consentHistory(customerId);
  const head = {
    exportedAt: deps.now().toISOString(),
    customerId: customer.id,
    about: EXPORT_ABOUT,
    profile: {
      name: customer.name,
      language: customer.language,
      tier: customer.tier,
      accountValue: customer.accountValueAmount !== null && customer.accountValueCurrency ? { amount: Number(customer.accountValueAmount), currency: customer.accountValueCurrency } : null,
      externalRef: customer.externalRef,
      createdAt: iso(customer.createdAt),
      updatedAt: iso(customer.updatedAt),
    },
    phones: customer.phones.map((p) => p.e164),
    consents: consents.map((c) => ({ purpose: c.purpose, granted: c.granted, at: iso(c.at), channel: c.channel, textVersion: c.textVersion, recordedBy: c.by })),
  };

  async function* timeline() {
    for await (const rows of pages((after) => repo.interactionsPage(customerId, after, INTERACTION_PAGE), INTERACTION_PAGE, (r) => r.at)) yield rows.map(timelineItem);
  }
  async function* calls() {
    for await (const rows of pages((after) => repo.callsPage(customerId, after, CALL_PAGE), CALL_PAGE, (r) => r.startedAt)) yield await callItems(repo, rows);
  }

  return (async function* document() {
    const opening = pretty(head, 0);
    // The head without its closing brace; the two long sections follow it.
    yield `${opening.slice(0, opening.lastIndexOf('\n'))},\n`;
    yield* arrayField('timeline', timeline());
    yield ',\n';
    yield* arrayField('calls', calls());
    yield '\n}\n';
  })();
}
