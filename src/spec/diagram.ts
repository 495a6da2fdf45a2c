/**
 * `ecs-platform diagram`: the spec as a Mermaid flowchart, from the plan (no engine needed): the load
 * balancer routing to web services, workers, the data each service may reach (and how), Teleport's
 * databases and apps, and what the DevOps agent investigates.
 */
import type { PlatformSpec } from './platform-spec';

function id(kind: string, name: string): string {
  return `${kind}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function label(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}

export function specDiagram(spec: PlatformSpec): string {
  const plan = spec._plan;
  const lines = ['flowchart LR'];
  const node = (nodeId: string, text: string, shape: 'box' | 'db' | 'round' = 'box') => {
    const [open, close] = shape === 'db' ? ['[(', ')]'] : shape === 'round' ? ['([', '])'] : ['[', ']'];
    lines.push(`  ${nodeId}${open}${label(text)}${close}`);
  };
  lines.push(`  subgraph platform[${label(`${plan.name}${plan.environment ? ` (${plan.environment})` : ''}: ${plan.region}, ${plan.profile.toLowerCase()}`)}]`);
  if (plan.loadBalancer) {
    const cert = plan.loadBalancer.certificate ? ` (HTTPS: ${plan.loadBalancer.certificate})` : plan.loadBalancer.options.certificateArn ? ' (HTTPS)' : ' (HTTP)';
    node('lb', `load balancer${cert}`, 'round');
  }
  for (const service of plan.services) {
    const o = service.options;
    node(id('svc', service.name), `${service.name}: ${service.type}${o.containerPort ? ` :${o.containerPort}` : ''}<br/>${o.image ?? 'image'}`);
  }
  for (const database of plan.databases) node(id('db', database.name), `${database.name}: ${database.options.engine ?? 'postgres'}`, 'db');
  for (const table of plan.tables) node(id('table', table.name), `${table.name}: DynamoDB`, 'db');
  if (plan.teleport) node('teleport', `Teleport ${plan.teleport.options.domainName ?? ''}`.trim(), 'round');
  if (plan.finops) node('finops', 'FinOps guardrails', 'round');
  if (plan.devopsAgent) node('agent', `DevOps Agent ${plan.devopsAgent.options.name}`, 'round');
  lines.push('  end');
  lines.push('  users((users)) --> lb');
  for (const service of plan.services.filter((s) => s.type === 'web')) {
    const routing = service.options.routing as { hostHeaders?: string[]; pathPatterns?: string[] } | undefined;
    const route = [...(routing?.hostHeaders ?? []), ...(routing?.pathPatterns ?? [])].join(' ');
    lines.push(`  lb -->${route ? `|${label(route)}|` : ''} ${id('svc', service.name)}`);
  }
  for (const database of plan.databases) {
    for (const name of database.allowedServices) lines.push(`  ${id('svc', name)} -->|connect| ${id('db', database.name)}`);
  }
  for (const table of plan.tables) {
    for (const name of new Set([...table.read, ...table.write])) {
      const access = table.read.includes(name) && table.write.includes(name) ? 'read/write' : table.read.includes(name) ? 'read' : 'write';
      lines.push(`  ${id('svc', name)} -->|${access}| ${id('table', table.name)}`);
    }
  }
  if (plan.teleport) {
    lines.push('  engineers((engineers)) -->|GitHub SSO| teleport');
    for (const database of plan.databases.filter((d) => d.teleport)) lines.push(`  teleport -.->|db| ${id('db', database.name)}`);
    for (const service of plan.services.filter((s) => s.teleportApp)) lines.push(`  teleport -.->|app| ${id('svc', service.name)}`);
  }
  if (plan.devopsAgent) {
    for (const name of plan.devopsAgent.investigate) lines.push(`  agent -.->|investigates| ${id('svc', name)}`);
  }
  return lines.join('\n');
}
