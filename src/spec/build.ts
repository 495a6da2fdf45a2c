/**
 * Building a spec, engine-neutral: the order constructs are created in, the references between them,
 * and the errors. Each engine gives the factory (its classes); the driver creates every construct it
 * can, turns each construct's prop errors into file-and-line problems, skips what depends on a construct
 * that failed, and throws one PlatformSpecError listing them all.
 */
import type { Construct } from 'constructs';
import type { SpecProblem } from './load';
import type { PlannedCertificate, PlannedDatabase, PlannedEntry, PlannedService, PlannedTable } from './plan';
import { problemsFromConstruct } from './plan';
import { PlatformSpec, PlatformSpecError } from './platform-spec';
import { S, StructSchema } from '../constructs/prop-schema';
import type { PropsValidator } from '../constructs/validation';

/** @internal the run-time shape of both engines' SpecPlatformProps. */
export const SPEC_PLATFORM_PROPS_SCHEMA: StructSchema = S.struct<{ spec: PlatformSpec }>({
  spec: S.object('a PlatformSpec', (value) => (value instanceof PlatformSpec ? undefined
    : 'expected a PlatformSpec: PlatformSpec.load(dir, { environment }) or PlatformSpec.fromSources([...])')),
}, ['spec']);

/**
 * @internal
 * The spec must be for the stack's region, when the stack's region is known at synthesis (a CDK stack's
 * env, a CDKTF stack's AWS provider): a spec for eu-west-1 deployed to us-east-1 would build the platform
 * with the wrong region's names, zones and endpoints.
 */
export function checkSpecRegion(v: PropsValidator, spec: PlatformSpec, stackRegion: string | undefined): void {
  if (stackRegion !== undefined && spec instanceof PlatformSpec && stackRegion !== spec.region) {
    v.report('spec', spec, `expected a spec for the stack's region ${stackRegion}; its platform.region is ${spec.region}`);
  }
}

/** How an engine creates each kind of construct. Types are the engine's classes. */
export interface PlatformFactory<Network, Cluster, LoadBalancer, Database, Table, Service, Teleport, FinOps, Agent extends AgentSpace<Service>> {
  network(entry: PlannedEntry): Network;
  cluster(entry: PlannedEntry, network: Network): Cluster;
  /** Returns the certificate's ARN (a token). */
  certificate(entry: PlannedCertificate): string;
  loadBalancer(entry: PlannedEntry, network: Network, certificateArn: string | undefined): LoadBalancer;
  database(entry: PlannedDatabase, network: Network): Database;
  table(entry: PlannedTable): Table;
  service(entry: PlannedService, cluster: Cluster, loadBalancer: LoadBalancer | undefined): Service;
  teleport(entry: PlannedEntry, cluster: Cluster, loadBalancer: LoadBalancer, certificateArn: string | undefined): Teleport;
  finops(entry: PlannedEntry, cluster: Cluster): FinOps;
  devopsAgent(entry: PlannedEntry): Agent;
  grantConnect(database: Database, service: Service, environmentPrefix: string | undefined): void;
  grantTable(table: Table, service: Service, access: 'read' | 'write' | 'readWrite'): void;
  teleportDatabase(teleport: Teleport, database: Database, name: string, users: string[]): void;
  teleportApp(teleport: Teleport, service: Service, name: string): void;
}

/** What the driver needs of an agent space. */
export interface AgentSpace<Service> {
  investigateAlarms(service: Service): void;
}

/** A construct class of either engine, as the factory calls it. */
type ConstructClass = new (scope: Construct, id: string, props: any) => any;

/** @internal each engine's construct classes, by name: the factory made of them is the same in both. */
export interface EngineClasses {
  readonly PlatformNetwork: ConstructClass;
  readonly PlatformCluster: ConstructClass;
  readonly PlatformLoadBalancer: ConstructClass;
  readonly ManagedDatabase: ConstructClass;
  readonly ManagedTable: ConstructClass;
  readonly FargateWebService: ConstructClass;
  readonly FargateWorkerService: ConstructClass;
  readonly TeleportCluster: ConstructClass;
  readonly FinOpsGuardrails: ConstructClass;
  readonly DevOpsAgentSpace: ConstructClass;
}

/** @internal what each engine spells its own way: certificates, and what the agent space monitors. */
export interface EngineParts {
  /** Props the DevOpsAgentSpace gets besides the spec's (CDK: the stack to monitor). */
  readonly agentSpaceProps: Record<string, unknown>;
  certificate(entry: PlannedCertificate): string;
}

/**
 * @internal
 * The factory both engines build a spec with: every construct under `scope`, named as in the spec (the
 * single sections by their role: Network, Cluster, LoadBalancer, Teleport, FinOps, DevOpsAgent).
 */
export function engineFactory(scope: Construct, c: EngineClasses, parts: EngineParts): PlatformFactory<any, any, any, any, any, any, any, any, any> {
  const withCertificate = (certificateArn: string | undefined) => (certificateArn ? { certificateArn } : {});
  return {
    network: (entry) => new c.PlatformNetwork(scope, 'Network', entry.options),
    cluster: (entry, network) => new c.PlatformCluster(scope, 'Cluster', { ...entry.options, network }),
    certificate: (entry) => parts.certificate(entry),
    loadBalancer: (entry, network, certificateArn) => new c.PlatformLoadBalancer(scope, 'LoadBalancer', {
      ...entry.options, ...withCertificate(certificateArn), network,
    }),
    database: (entry, network) => new c.ManagedDatabase(scope, entry.name, { ...entry.options, network }),
    table: (entry) => new c.ManagedTable(scope, entry.name, entry.options),
    service: (entry, cluster, loadBalancer) => (entry.type === 'web'
      ? new c.FargateWebService(scope, entry.name, { ...entry.options, cluster, loadBalancer })
      : new c.FargateWorkerService(scope, entry.name, { ...entry.options, cluster })),
    teleport: (entry, cluster, loadBalancer, certificateArn) => new c.TeleportCluster(scope, 'Teleport', {
      ...entry.options, ...withCertificate(certificateArn), cluster, loadBalancer,
    }),
    finops: (entry, cluster) => new c.FinOpsGuardrails(scope, 'FinOps', { ...entry.options, alertsTopic: cluster.alertsTopic }),
    devopsAgent: (entry) => new c.DevOpsAgentSpace(scope, 'DevOpsAgent', { ...entry.options, ...parts.agentSpaceProps }),
    grantConnect: (database, service, environmentPrefix) => database.grantConnect(service, environmentPrefix ? { environmentPrefix } : {}),
    grantTable: (table, service, access) => (access === 'read' ? table.grantReadData(service)
      : access === 'write' ? table.grantWriteData(service) : table.grantReadWriteData(service)),
    teleportDatabase: (teleport, database, name, users) => teleport.addDatabase(database, { name, users }),
    teleportApp: (teleport, service, name) => teleport.addApp(service, { name }),
  };
}

/** What a spec built, by the spec's names. */
export interface BuiltPlatform<Network, Cluster, LoadBalancer, Database, Table, Service, Teleport, FinOps, Agent> {
  network?: Network;
  cluster?: Cluster;
  loadBalancer?: LoadBalancer;
  certificateArns: Record<string, string>;
  databases: Record<string, Database>;
  tables: Record<string, Table>;
  services: Record<string, Service>;
  teleport?: Teleport;
  finops?: FinOps;
  devopsAgent?: Agent;
}

export function buildSpec<N, C, L, D, T, S, TP, F, A extends AgentSpace<S>>(
  spec: PlatformSpec, factory: PlatformFactory<N, C, L, D, T, S, TP, F, A>,
): BuiltPlatform<N, C, L, D, T, S, TP, F, A> {
  const plan = spec._plan;
  const problems: SpecProblem[] = [];
  const attempt = <R>(entry: PlannedEntry, create: () => R): R | undefined => {
    try {
      return create();
    } catch (error) {
      problems.push(...problemsFromConstruct(spec._merged, entry, error));
      return undefined;
    }
  };
  const built: BuiltPlatform<N, C, L, D, T, S, TP, F, A> = { certificateArns: {}, databases: {}, tables: {}, services: {} };

  built.network = attempt(plan.network, () => factory.network(plan.network));
  const network = built.network;
  built.cluster = network === undefined ? undefined : attempt(plan.cluster, () => factory.cluster(plan.cluster, network));
  const cluster = built.cluster;
  for (const certificate of plan.certificates) {
    const arn = attempt(certificate, () => factory.certificate(certificate));
    if (arn !== undefined) built.certificateArns[certificate.name] = arn;
  }
  const lb = plan.loadBalancer;
  if (lb && network !== undefined) {
    built.loadBalancer = attempt(lb, () => factory.loadBalancer(lb, network, lb.certificate ? built.certificateArns[lb.certificate] : undefined));
  }
  for (const database of plan.databases) {
    if (network === undefined) break;
    const created = attempt(database, () => factory.database(database, network));
    if (created !== undefined) built.databases[database.name] = created;
  }
  for (const table of plan.tables) {
    const created = attempt(table, () => factory.table(table));
    if (created !== undefined) built.tables[table.name] = created;
  }
  for (const service of plan.services) {
    if (cluster === undefined || (service.type === 'web' && built.loadBalancer === undefined)) continue;
    const created = attempt(service, () => factory.service(service, cluster, service.type === 'web' ? built.loadBalancer : undefined));
    if (created !== undefined) built.services[service.name] = created;
  }

  // Grants: only between constructs that were built (a failed one already has its problems reported).
  for (const database of plan.databases) {
    const db = built.databases[database.name];
    for (const name of database.allowedServices) {
      const service = built.services[name];
      if (db !== undefined && service !== undefined) attempt(database, () => factory.grantConnect(db, service, database.environmentPrefix));
    }
  }
  for (const table of plan.tables) {
    const created = built.tables[table.name];
    for (const name of new Set([...table.read, ...table.write])) {
      const service = built.services[name];
      const access = table.read.includes(name) && table.write.includes(name) ? 'readWrite' : table.read.includes(name) ? 'read' : 'write';
      if (created !== undefined && service !== undefined) attempt(table, () => factory.grantTable(created, service, access));
    }
  }

  const teleport = plan.teleport;
  if (teleport && cluster !== undefined && built.loadBalancer !== undefined) {
    const lbBuilt = built.loadBalancer;
    const certificateArn = teleport.certificate ? built.certificateArns[teleport.certificate] : undefined;
    built.teleport = attempt(teleport, () => factory.teleport(teleport, cluster, lbBuilt, certificateArn));
    const tp = built.teleport;
    if (tp !== undefined) {
      for (const database of plan.databases) {
        const db = built.databases[database.name];
        const access = database.teleport;
        if (access && db !== undefined) attempt(database, () => factory.teleportDatabase(tp, db, access.name, access.users));
      }
      for (const service of plan.services) {
        const created = built.services[service.name];
        if (service.teleportApp && created !== undefined) attempt(service, () => factory.teleportApp(tp, created, service.teleportApp!));
      }
    }
  }

  const finops = plan.finops;
  if (finops && cluster !== undefined) built.finops = attempt(finops, () => factory.finops(finops, cluster));
  const agent = plan.devopsAgent;
  if (agent) {
    const space = attempt(agent, () => factory.devopsAgent(agent));
    built.devopsAgent = space;
    for (const name of agent.investigate) {
      const service = built.services[name];
      if (space !== undefined && service !== undefined) attempt(agent, () => space.investigateAlarms(service));
    }
  }

  if (problems.length > 0) throw new PlatformSpecError(problems);
  return built;
}

/** A stack output of a spec's platform: the same IDs and descriptions in both engines. */
export interface SpecOutput {
  readonly id: string;
  readonly description: string;
  readonly value: string;
}

/** What the outputs read from the constructs: attribute names both engines share. */
export interface OutputSources {
  readonly loadBalancer?: { readonly dnsName: string };
  readonly cluster?: { readonly alertsTopicArn: string };
  readonly databases: Record<string, { readonly endpointAddress: string }>;
  readonly tables: Record<string, { readonly tableName: string }>;
  readonly teleport?: { readonly publicAddress: string };
}

const pascal = (name: string) => name.split(/[^A-Za-z0-9]+/).filter(Boolean).map((p) => p[0].toUpperCase() + p.slice(1)).join('');

/** The outputs a PlatformSpecStack gives: where to point DNS, where alerts go, the data's names, Teleport's address. */
export function specOutputs(spec: PlatformSpec, built: OutputSources): SpecOutput[] {
  const plan = spec._plan;
  const outputs: SpecOutput[] = [];
  if (built.loadBalancer) {
    const hosts = new Set(plan.services.flatMap((s) => ((s.options.routing as { hostHeaders?: string[] } | undefined)?.hostHeaders ?? [])));
    const domain = plan.teleport?.options.domainName as string | undefined;
    if (domain) [domain, `*.${domain}`].forEach((h) => hosts.add(h));
    outputs.push({
      id: 'LoadBalancerDnsName',
      description: hosts.size > 0 ? `Point ${[...hosts].join(', ')} here (CNAME or alias)` : 'The shared load balancer\'s DNS name',
      value: built.loadBalancer.dnsName,
    });
  }
  if (built.cluster) outputs.push({ id: 'AlertsTopicArn', description: 'Subscribe the on-call here: every alarm of the platform', value: built.cluster.alertsTopicArn });
  for (const [name, database] of Object.entries(built.databases)) {
    outputs.push({ id: `Database${pascal(name)}Endpoint`, description: `${name}'s endpoint address`, value: database.endpointAddress });
  }
  for (const [name, table] of Object.entries(built.tables)) {
    outputs.push({ id: `Table${pascal(name)}Name`, description: `${name}'s table name`, value: table.tableName });
  }
  if (built.teleport) outputs.push({ id: 'TeleportProxyAddress', description: 'tsh login --proxy=<this> --auth=github', value: built.teleport.publicAddress });
  return outputs;
}
