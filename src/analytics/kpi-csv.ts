import { KPI_FIELDS } from './kpi-definitions.js';
import type { KpiReport } from './kpi-query.js';

/**
 * The report's series as CSV (RFC 4180, CRLF): a header row, then one row per interval, with
 * the queue and agent asked for ('*' for all) so a saved file says what it holds. UTF-8 with
 * a byte-order mark, which spreadsheet programs need to show Arabic text as Arabic; a text
 * cell that a spreadsheet would run as a formula is prefixed with a quote.
 */
export function kpiCsv(report: KpiReport): string {
  const header = ['start', 'queue', 'agent', ...KPI_FIELDS];
  const lines = [header.join(',')];
  for (const point of report.series) {
    lines.push([point.start, report.queue ?? '*', report.agent ?? '*', ...KPI_FIELDS.map((f) => point[f])].map(cell).join(','));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
