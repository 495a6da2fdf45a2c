/**
 * The Mermaid diagram of an example app, from its AWS CDK construct tree and
 * synthesised templates: each stack a group, each platform construct (the
 * library's, outermost only) a node, and an edge from a construct to every
 * platform construct its resources reference — a grant, a route, a subnet, a
 * topic — within a stack or across stacks (CloudFormation exports).
 *
 * Both engines build the same construct tree from the same IDs, so one diagram
 * serves an example's two editions.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

type Json = any;

const IDENTITY = Symbol.for('ecs-platform-constructs.identity');
const kindOf = (c: IConstruct): string | undefined => (c as unknown as Record<symbol, { kind: string } | undefined>)[IDENTITY]?.kind;

/** A node of the diagram: a platform construct at the top of its branch. */
export interface DiagramNode {
  readonly stack: string;
  readonly id: string;
  readonly path: string;
  readonly kind: string;
}

/** The nodes, per stack, and the edges between them (`from` uses `to`), sorted. */
export interface Diagram {
  readonly stacks: ReadonlyArray<{ readonly name: string; readonly nodes: readonly DiagramNode[] }>;
  readonly edges: ReadonlyArray<{ readonly from: string; readonly to: string; readonly crossStack: boolean }>;
}

/** Logical IDs, and export names, a value refers to. */
function references(value: unknown, found: { refs: Set<string>; imports: Set<string> } = { refs: new Set(), imports: new Set() }) {
  if (Array.isArray(value)) {value.forEach((v) => references(v, found));} else if (value && typeof value === 'object') {
    const o = value as Json;
    if (typeof o.Ref === 'string' && !o.Ref.startsWith('AWS::')) found.refs.add(o.Ref);
    if (Array.isArray(o['Fn::GetAtt'])) found.refs.add(o['Fn::GetAtt'][0]);
    if (typeof o['Fn::ImportValue'] === 'string') found.imports.add(o['Fn::ImportValue']);
    for (const [k, v] of Object.entries(o)) if (k !== 'Ref' && k !== 'Fn::GetAtt') references(v, found);
  }
  return found;
}

/** The diagram of `app`, which is synthesised (into its outdir) to read its templates. */
export function diagramOf(app: App): Diagram {
  const assembly = app.synth();
  const stacks = app.node.children.filter((c): c is Stack => Stack.isStack(c));
  // The outermost platform constructs: a TeleportCluster's own FargateWebService belongs to the TeleportCluster.
  const nodes: DiagramNode[] = [];
  for (const stack of stacks) {
    const visit = (c: IConstruct) => {
      const kind = kindOf(c);
      if (kind) nodes.push({ stack: stack.stackName, id: c.node.id, path: c.node.path, kind });
      else c.node.children.forEach(visit);
    };
    stack.node.children.forEach(visit);
  }
  const ownerOf = (path: string | undefined) => (path === undefined ? undefined
    : nodes.filter((n) => path === n.path || path.startsWith(`${n.path}/`)).sort((a, b) => b.path.length - a.path.length)[0]);

  // Logical ID -> construct path, per stack, from the tree (templates carry aws:cdk:path only when the CLI asks).
  const pathOfId = new Map<Stack, Map<string, string>>(stacks.map((stack) => [stack, new Map(stack.node.findAll()
    .filter((c): c is CfnElement => CfnElement.isCfnElement(c) && Stack.of(c) === stack)
    .map((e) => [stack.resolve(e.logicalId) as string, e.node.path]))]));
  const templates = stacks.map((stack) => ({
    stack,
    paths: pathOfId.get(stack)!,
    template: JSON.parse(readFileSync(join(assembly.directory, stack.templateFile), 'utf8')) as Json,
  }));
  /** Export name -> the node whose resource the export's value names. */
  const exported = new Map<string, DiagramNode>();
  for (const { template, paths } of templates) {
    for (const output of Object.values<Json>(template.Outputs ?? {})) {
      const name = output.Export?.Name;
      if (typeof name !== 'string') continue;
      const [id] = references(output.Value).refs;
      const owner = id ? ownerOf(paths.get(id)) : undefined;
      if (owner) exported.set(name, owner);
    }
  }
  const edges = new Map<string, { from: string; to: string; crossStack: boolean }>();
  const key = (n: DiagramNode) => n.path;
  for (const { template, paths } of templates) {
    for (const [logicalId, resource] of Object.entries<Json>(template.Resources ?? {})) {
      const from = ownerOf(paths.get(logicalId));
      if (!from) continue;
      const { refs, imports } = references(resource.Properties);
      const targets = [
        ...[...refs].map((id) => ({ to: ownerOf(paths.get(id)), crossStack: false })),
        ...[...imports].map((name) => ({ to: exported.get(name), crossStack: true })),
      ];
      for (const { to, crossStack } of targets) {
        if (!to || key(to) === key(from)) continue;
        edges.set(`${key(from)} ${key(to)}`, { from: key(from), to: key(to), crossStack });
      }
    }
  }
  // Collaborators held as properties (a cluster's network, a service's load balancer): the props the constructs were given.
  const nodeOf = new Map<IConstruct, DiagramNode>();
  for (const stack of stacks) for (const c of stack.node.findAll()) { const n = nodes.find((x) => x.path === c.node.path); if (n) nodeOf.set(c, n); }
  for (const [construct, from] of nodeOf) {
    for (const value of Object.values(construct as unknown as Record<string, unknown>).flatMap((x) => (Array.isArray(x) ? x : [x]))) {
      const to = typeof value === 'object' && value !== null ? nodeOf.get(value as IConstruct) : undefined;
      if (to && to !== from) edges.set(`${key(from)} ${key(to)}`, { from: key(from), to: key(to), crossStack: from.stack !== to.stack });
    }
  }
  return {
    stacks: stacks.map((stack) => ({ name: stack.stackName, nodes: nodes.filter((n) => n.stack === stack.stackName) })),
    edges: [...edges.values()].sort((a, b) => `${a.from} ${a.to}`.localeCompare(`${b.from} ${b.to}`)),
  };
}

const mermaidId = (path: string) => path.replace(/[^A-Za-z0-9]/g, '_');

/** The diagram as a Mermaid flowchart (left to right; dashed arrows cross stacks). */
export function renderMermaid(diagram: Diagram): string {
  const lines = ['flowchart LR'];
  for (const stack of diagram.stacks) {
    lines.push(`  subgraph ${mermaidId(stack.name)}["${stack.name}"]`);
    for (const n of stack.nodes) lines.push(`    ${mermaidId(n.path)}["${n.id}<br/><i>${n.kind}</i>"]`);
    lines.push('  end');
  }
  for (const e of diagram.edges) lines.push(`  ${mermaidId(e.from)} ${e.crossStack ? '-.->' : '-->'} ${mermaidId(e.to)}`);
  return lines.join('\n');
}

export const DIAGRAM_START = '<!-- diagram: generated by `npm run diagrams` from the construct tree; do not edit -->';
export const DIAGRAM_END = '<!-- diagram end -->';

/** The README's diagram block for `mermaid`. */
export function diagramBlock(mermaid: string): string {
  return `${DIAGRAM_START}\n\`\`\`mermaid\n${mermaid}\n\`\`\`\n${DIAGRAM_END}`;
}

/** The README with its diagram block replaced (or, when it has none, appended under a "Diagram" heading). */
export function withDiagram(readme: string, mermaid: string): string {
  const start = readme.indexOf(DIAGRAM_START);
  const end = readme.indexOf(DIAGRAM_END);
  if (start >= 0 && end > start) return `${readme.slice(0, start)}${diagramBlock(mermaid)}${readme.slice(end + DIAGRAM_END.length)}`;
  return `${readme.trimEnd()}\n\n## Diagram\n\n${diagramBlock(mermaid)}\n`;
}

/** The diagram block a README holds now, if any. */
export function currentDiagram(readme: string): string | undefined {
  const start = readme.indexOf(DIAGRAM_START);
  const end = readme.indexOf(DIAGRAM_END);
  return start >= 0 && end > start ? readme.slice(start, end + DIAGRAM_END.length) : undefined;
}
