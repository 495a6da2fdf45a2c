/**
 * The Mermaid diagrams (diagrams/mermaid.ts): what they show on a small two-stack
 * app, and that every example's README holds its current diagram (stale ones
 * fail: run `npm run diagrams`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { currentDiagram, diagramBlock, diagramOf, renderMermaid, withDiagram } from '../../diagrams/mermaid';
import { EXAMPLES_DIR, exampleMermaid, exampleNames } from '../../diagrams/update';
import { FargateWebService, PlatformCluster, PlatformNetwork } from '../../src/cdk';
import { NGINX } from '../helpers/images';

test('a diagram groups the platform constructs by stack and draws what uses what, dashed across stacks', () => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'epc-diagram-')) });
  try {
    const base = new Stack(app, 'Base');
    const apps = new Stack(app, 'Apps');
    const network = new PlatformNetwork(base, 'Network');
    const cluster = new PlatformCluster(base, 'Cluster', { network });
    new FargateWebService(apps, 'Api', { cluster, image: NGINX, containerPort: 80 });
    const diagram = diagramOf(app);
    expect(diagram.stacks).toEqual([
      { name: 'Base', nodes: [{ stack: 'Base', id: 'Network', path: 'Base/Network', kind: 'PlatformNetwork' }, { stack: 'Base', id: 'Cluster', path: 'Base/Cluster', kind: 'PlatformCluster' }] },
      { name: 'Apps', nodes: [{ stack: 'Apps', id: 'Api', path: 'Apps/Api', kind: 'FargateWebService' }] },
    ]);
    expect(diagram.edges).toEqual([
      { from: 'Apps/Api', to: 'Base/Cluster', crossStack: true },
      { from: 'Apps/Api', to: 'Base/Network', crossStack: true },
      { from: 'Base/Cluster', to: 'Base/Network', crossStack: false },
    ]);
    const mermaid = renderMermaid(diagram);
    expect(mermaid.split('\n')).toEqual([
      'flowchart LR',
      '  subgraph Base["Base"]',
      '    Base_Network["Network<br/><i>PlatformNetwork</i>"]',
      '    Base_Cluster["Cluster<br/><i>PlatformCluster</i>"]',
      '  end',
      '  subgraph Apps["Apps"]',
      '    Apps_Api["Api<br/><i>FargateWebService</i>"]',
      '  end',
      '  Apps_Api -.-> Base_Cluster',
      '  Apps_Api -.-> Base_Network',
      '  Base_Cluster --> Base_Network',
    ]);
    // A README gets the block once, and a new render replaces it in place.
    const readme = withDiagram('# x\n\ntext\n', mermaid);
    expect(currentDiagram(readme)).toBe(diagramBlock(mermaid));
    expect(withDiagram(readme, 'flowchart LR')).toBe(`# x\n\ntext\n\n## Diagram\n\n${diagramBlock('flowchart LR')}\n`);
  } finally {
    rmSync(app.outdir, { recursive: true, force: true });
  }
});

test.each(exampleNames())('examples/%s/README.md holds the example\'s current diagram (else run npm run diagrams)', (name) => {
  const file = join(EXAMPLES_DIR, name, 'README.md');
  expect([file, existsSync(file)]).toEqual([file, true]);
  expect(currentDiagram(readFileSync(file, 'utf8'))).toBe(diagramBlock(exampleMermaid(name)));
});
