/**
 * Plain-text tables for `npm run cost`: the price table's date and every assumption first, then per
 * example and profile the line items, then the summary (both engines' totals, the seeds' layout, the saving).
 */
import { differences, Estimate } from './examples';
import { fmtQty, LineItem, PRICES } from './model';

export const usd = (n: number): string => `$${n.toFixed(2)}`;

export function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const fmt = (r: readonly string[]) => r.map((v, c) => (right.includes(c) ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

export function preamble(): string {
  const unverified = Object.entries({ ...PRICES.prices, ...PRICES.rdsInstanceHour }).filter(([, e]) => !e.verified);
  return [
    `Estimated monthly cost, ${PRICES.region}, price table dated ${PRICES.date} (cost/prices-us-east-1.json), ${PRICES.hoursPerMonth} hours a month, USD, on-demand list prices, no free tier.`,
    '',
    'Assumptions:',
    ...Object.values(PRICES.assumptions).map((a) => `  - ${a.text}`),
    '  - seeds\' layout (DEVELOPMENT): 2 NAT gateways per VPC (each with its public IPv4 address), every Fargate task on-demand, no S3 gateway endpoint',
    '',
    `Unverified prices (not confirmed in a retrieved page on ${PRICES.date}; check them against their source):`,
    ...unverified.map(([k, e]) => `  - ${k}: ${e.price} ${e.unit} <${e.source}>${e.note ? ` (${e.note})` : ''}`),
  ].join('\n');
}

export function lineTable(lines: readonly LineItem[]): string {
  return table(
    ['construct', 'resource', 'quantity', 'unit price', 'monthly USD'],
    lines.map((l) => [l.construct, l.resource, fmtQty(Number(l.quantity.toFixed(4))), `$${Number(l.unitPrice.toPrecision(6))}`, usd(l.monthly)]),
    [2, 3, 4],
  );
}

export function detail(e: Estimate): string {
  const out = [`== ${e.example} / ${e.profile} (${e.how}) ==`, '', lineTable(e.lines.cdk), '', `CDK total ${usd(e.totals.cdk)}; CDKTF total ${usd(e.totals.cdktf)}`];
  const diffs = differences(e);
  if (diffs.length) {
    out.push('Engine differences (construct, resource kind, resources CDK/CDKTF, monthly CDK/CDKTF):');
    for (const d of diffs) out.push(`  - ${d.construct}: ${d.kind} ${d.count.cdk}/${d.count.cdktf}, ${usd(d.cdk)}/${usd(d.cdktf)}`);
  }
  if (e.seeds) out.push(`Seeds' layout total ${usd(e.seeds.total)}: saving ${usd(e.seeds.saving)} a month`);
  return out.join('\n');
}

export function summary(estimates: readonly Estimate[]): string {
  return table(
    ['example', 'profile', 'CDK total', 'CDKTF total', 'seeds layout (dev)', 'saving'],
    estimates.map((e) => [e.example, e.profile, usd(e.totals.cdk), usd(e.totals.cdktf), e.seeds ? usd(e.seeds.total) : '-', e.seeds ? usd(e.seeds.saving) : '-']),
    [2, 3, 4, 5],
  );
}

export function report(estimates: readonly Estimate[]): string {
  const notes = estimates.filter((e) => e.how !== 'buildApp(app, profile)').map((e) => `  - ${e.example} / ${e.profile}: ${e.how}`);
  return [
    preamble(),
    ...(notes.length ? ['', 'Examples whose buildApp takes no profile (built once with their defaults; a stack counts for the profile its name says):', ...notes] : []),
    '',
    ...estimates.map((e) => `${detail(e)}\n`),
    '== Summary ==',
    '',
    summary(estimates),
  ].join('\n');
}
