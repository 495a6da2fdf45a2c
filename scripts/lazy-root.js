#!/usr/bin/env node
// jsii compiles `export * as cdk from './cdk'` into an eager
//   exports.cdk = __importStar(require("./cdk"));
// which would load aws-cdk-lib (and cdktf) for anyone requiring the package
// root. This post-compile step turns each such line into a getter so an engine
// is loaded on first use, and a team that installed only one engine can still
// require the root. It fails loudly if jsii's output no longer matches.
const fs = require('fs');
const path = require('path');

const file = path.join(__dirname, '..', 'lib', 'index.js');
const NAMESPACES = ['cdk', 'cdktf'];
let code = fs.readFileSync(file, 'utf8');

for (const ns of NAMESPACES) {
  const eager = `exports.${ns} = __importStar(require("./${ns}"));`;
  const lazy =
    `Object.defineProperty(exports, "${ns}", { enumerable: true, configurable: true, ` +
    `get: function () { var m = __importStar(require("./${ns}")); ` +
    `Object.defineProperty(exports, "${ns}", { enumerable: true, value: m }); return m; } });`;
  if (code.includes(lazy)) continue; // already rewritten
  if (!code.includes(eager)) {
    console.error(`lazy-root: expected "${eager}" in lib/index.js; jsii's output changed, update scripts/lazy-root.js`);
    process.exit(1);
  }
  code = code.replace(eager, lazy);
}
fs.writeFileSync(file, code);
console.log(`lazy-root: ${NAMESPACES.join(', ')} load on first use`);
