/**
 * Both engines agree: every example under examples/, for every profile its buildApp takes (its default
 * otherwise, each stack counted for the profile its name says), must cost the same from its CDK output
 * and from its CDKTF output. Real engine differences (resources only one engine creates) are listed by
 * `differences` and must cost nothing here; each example is built once per engine and profile.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { differences, Estimate, estimateAll, EXAMPLES_DIR, exampleNames } from '../../cost/examples';
import { currentCostBlock, exampleCostBlock, markdownSummary, report } from '../../cost/report';

let estimates: Estimate[];
beforeAll(() => {
  estimates = estimateAll();
});

test('every example is estimated, in both profiles where its buildApp takes one', () => {
  expect([...new Set(estimates.map((e) => e.example))]).toEqual(exampleNames());
  for (const e of estimates) expect([e.example, e.profile, e.totals.cdk > 0]).toEqual([e.example, e.profile, true]);
});

test('CDK and CDKTF totals agree to the cent for every example and profile', () => {
  for (const e of estimates) expect([e.example, e.profile, e.totals.cdk.toFixed(2)]).toEqual([e.example, e.profile, e.totals.cdktf.toFixed(2)]);
});

test('the only engine differences are CDK\'s custom-resource Lambda functions, at no cost', () => {
  for (const e of estimates) {
    for (const d of differences(e)) {
      expect([e.example, d.construct, d.kind, d.cdk, d.cdktf]).toEqual([e.example, d.construct, 'lambda', 0, 0]);
      expect(d.construct).toMatch(/Custom::/);
    }
  }
});

test('DEVELOPMENT is cheaper than the seeds\' layout wherever there is a NAT gateway', () => {
  const dev = estimates.filter((e) => e.profile === 'DEVELOPMENT');
  expect(dev.length).toBeGreaterThan(0);
  for (const e of dev) {
    expect([e.example, e.seeds !== undefined]).toEqual([e.example, true]);
    // one NAT gateway fewer at least: 730 x (0.045 + 0.005) = $36.50
    expect(e.seeds!.saving).toBeGreaterThanOrEqual(36.5);
  }
});

test('the report states the date and assumptions, and has a summary row per estimate', () => {
  const text = report(estimates);
  expect(text).toMatch(/price table dated 2026-11-26/);
  expect(text).toMatch(/Assumptions:/);
  expect(text).toMatch(/Unverified prices/);
  const summary = text.slice(text.indexOf('== Summary =='));
  for (const e of estimates) expect(summary).toContain(`${e.example}`);
  expect(summary.trim().split('\n').length).toBe(estimates.length + 4);
});

test('examples/README.md holds the current cost table (else run npm run cost -- --write-readme)', () => {
  expect(currentCostBlock(readFileSync(join(EXAMPLES_DIR, 'README.md'), 'utf8'))).toBe(markdownSummary(estimates));
});

test('every example\'s README holds its current cost per construct (else run npm run cost -- --write-readme)', () => {
  for (const name of exampleNames()) {
    const block = currentCostBlock(readFileSync(join(EXAMPLES_DIR, name, 'README.md'), 'utf8'));
    expect([name, block]).toEqual([name, exampleCostBlock(estimates.filter((e) => e.example === name))]);
  }
});

test('an example\'s cost block adds up: its constructs\' costs make each profile\'s total', () => {
  const zeroTrust = estimates.filter((e) => e.example === 'zero-trust');
  const block = exampleCostBlock(zeroTrust);
  const rows = block.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| construct') && !l.startsWith('| **total'));
  zeroTrust.forEach((e, column) => {
    const sum = rows.reduce((total, row) => total + Number(row.split('|')[column + 2].trim().slice(1)), 0);
    expect(sum).toBeCloseTo(e.totals.cdk, 1);
  });
});
