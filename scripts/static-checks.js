#!/usr/bin/env node
// The static checks of `npm test`, side by side: ESLint (the projen eslint task) and the type check of
// the tests and examples are each single-threaded, so on two cores running both at once saves the
// shorter one's time. Each one's output is printed whole when it ends; any failure fails the step.
const { spawn } = require('child_process');

const checks = [
  ['eslint', 'npx', ['projen', 'eslint']],
  ['type-check tests and examples', 'npx', ['tsc', '--noEmit', '-p', 'test/tsconfig.json']],
];

Promise.all(checks.map(([name, command, args]) => new Promise((resolve) => {
  const started = Date.now();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  child.on('close', (code) => {
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    process.stdout.write(`== ${name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${seconds} s\n${output}`);
    resolve(code === 0);
  });
}))).then((results) => process.exit(results.every(Boolean) ? 0 : 1));
