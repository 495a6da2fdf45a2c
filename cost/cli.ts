/**
 * `npm run cost [example ...]`: the estimated monthly cost of every example (or the named ones), per profile,
 * from both engines' output. Needs the compiled lib/ (the examples import the package by name); the projen
 * task compiles first.
 */
import { estimateAll, exampleNames } from './examples';
import { report } from './report';

const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !exampleNames().includes(n));
if (unknown.length) {
  console.error(`unknown example(s): ${unknown.join(', ')}; known: ${exampleNames().join(', ')}`);
  process.exit(1);
}
console.log(report(estimateAll(wanted.length ? wanted : undefined)));
