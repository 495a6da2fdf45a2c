/**
 * `npm run cost [example ...]`: the estimated monthly cost of every example (or the named ones), per profile,
 * from both engines' output. Needs the compiled lib/ (the examples import the package by name); the projen
 * task compiles first.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { EXAMPLES_DIR, estimateAll, exampleNames } from './examples';
import { exampleCostBlock, markdownSummary, report, withCostBlock } from './report';

const args = process.argv.slice(2);
const writeReadme = args.includes('--write-readme');
const wanted = args.filter((a) => a !== '--write-readme');
const unknown = wanted.filter((n) => !exampleNames().includes(n));
if (unknown.length) {
  console.error(`unknown example(s): ${unknown.join(', ')}; known: ${exampleNames().join(', ')}`);
  process.exit(1);
}
const estimates = estimateAll(wanted.length ? wanted : undefined);
console.log(report(estimates));
if (writeReadme) {
  if (wanted.length) {
    console.error('--write-readme needs every example: leave the example names out');
    process.exit(1);
  }
  const file = join(EXAMPLES_DIR, 'README.md');
  writeFileSync(file, withCostBlock(readFileSync(file, 'utf8'), markdownSummary(estimates)));
  for (const name of exampleNames()) {
    const own = join(EXAMPLES_DIR, name, 'README.md');
    writeFileSync(own, withCostBlock(readFileSync(own, 'utf8'), exampleCostBlock(estimates.filter((e) => e.example === name))));
  }
  console.log(`\nThe cost tables of ${file} and of every example's README are up to date.`);
}
