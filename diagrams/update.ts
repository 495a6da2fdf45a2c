/**
 * `npm run diagrams`: renders each example's Mermaid diagram (diagrams/mermaid.ts)
 * from its AWS CDK edition and writes it into examples/<name>/README.md, creating
 * the README when the example has none. test/diagrams fails when a README's
 * diagram is stale. Usage: ts-node diagrams/update.ts [--check]
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'aws-cdk-lib';
import { currentDiagram, diagramBlock, diagramOf, renderMermaid, withDiagram } from './mermaid';

export const EXAMPLES_DIR = join(__dirname, '..', 'examples');

/** The examples, by directory name. */
export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

/** An example's diagram, rendered from its CDK app built in a throw-away directory. */
export function exampleMermaid(name: string): string {
  const outdir = mkdtempSync(join(tmpdir(), `epc-diagram-${name}-`));
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- examples are found at run time
    const { buildApp } = require(join(EXAMPLES_DIR, name, 'cdk', 'app.ts'));
    return renderMermaid(diagramOf(buildApp(new App({ outdir }))));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** A new example README: its title, where it is described, and (added after) its diagram. */
export function newReadme(name: string): string {
  return `# ${name}\n\nWhat this example builds, its settings, inputs and how to deploy it in each engine: `
    + `[examples/README.md](../README.md#${name}).\n`;
}

function main(argv: string[]): void {
  const check = argv.includes('--check');
  const stale: string[] = [];
  for (const name of exampleNames()) {
    const file = join(EXAMPLES_DIR, name, 'README.md');
    const readme = existsSync(file) ? readFileSync(file, 'utf8') : newReadme(name);
    const mermaid = exampleMermaid(name);
    if (currentDiagram(readme) === diagramBlock(mermaid)) {
      console.log(`${name}: diagram up to date`);
      continue;
    }
    stale.push(name);
    if (!check) {
      writeFileSync(file, withDiagram(readme, mermaid));
      console.log(`${name}: diagram written to examples/${name}/README.md`);
    }
  }
  if (check && stale.length) {
    console.error(`stale diagrams: ${stale.join(', ')}; run npm run diagrams`);
    process.exit(1);
  }
}

if (require.main === module) main(process.argv.slice(2));
