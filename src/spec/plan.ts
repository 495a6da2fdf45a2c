/**
 * The merged spec -> what to build, engine-neutral: each construct's options (through the section
 * tables), the references between entries (checked here, with positions), and the way back from a
 * construct's prop problem to the YAML key that caused it. Both engines' builders render this plan.
 */
import { MergedSpec, mergeValues, PositionMap, problemAt, SpecProblem } from './load';
import {
  CERTIFICATES_SECTION,
  CLUSTER_SECTION,
  DATABASES_SECTION,
  DEFAULTS_SECTION,
  DEVOPS_AGENT_SECTION,
  FINOPS_SECTION,
  keyForProp,
  LOAD_BALANCER_SECTION,
  NETWORK_SECTION,
  optionsFrom,
  ServiceType,
  SERVICES_SECTION,
  SpecSection,
  TABLES_SECTION,
  TELEPORT_SECTION,
  valueAt,
} from './sections';
import { EnvironmentProfile } from '../constructs/environment-profile';
import { nearestName } from '../constructs/prop-schema';
import { describe, PropsValidationError } from '../constructs/validation';

/** One construct to build: its name in the spec, its options, and where its entry is written. */
export interface PlannedEntry {
  /** The entry's name (`test-app`), or the section's for single sections (`network`). */
  readonly name: string;
  readonly section: SpecSection;
  /** The entry's JSON pointer in the merged spec: `/services/test-app`. */
  readonly pointer: string;
  /** The construct options its keys set (profile included where the construct takes one). */
  readonly options: Record<string, any>;
}

export interface PlannedService extends PlannedEntry {
  readonly type: ServiceType;
  /** Its name in Teleport application access, when served through Teleport. */
  readonly teleportApp?: string;
}

export interface PlannedDatabase extends PlannedEntry {
  readonly allowedServices: string[];
  readonly environmentPrefix?: string;
  readonly teleport?: { readonly name: string; readonly users: string[] };
}

export interface PlannedTable extends PlannedEntry {
  readonly read: string[];
  readonly write: string[];
}

export interface PlannedCertificate extends PlannedEntry {
  readonly domainName: string;
  readonly subjectAlternativeNames: string[];
  readonly hostedZoneId?: string;
}

/** What a spec builds. */
export interface SpecPlan {
  readonly name: string;
  readonly region: string;
  readonly account?: string;
  readonly profile: EnvironmentProfile;
  readonly environment?: string;
  /** Tags on every resource: `platform`, `environment` and `platform.tags`. */
  readonly tags: Record<string, string>;
  readonly network: PlannedEntry;
  readonly cluster: PlannedEntry;
  readonly certificates: PlannedCertificate[];
  /** The shared load balancer: when any web service or Teleport needs one, or the section is given. */
  readonly loadBalancer?: PlannedEntry & { readonly certificate?: string };
  readonly databases: PlannedDatabase[];
  readonly tables: PlannedTable[];
  readonly services: PlannedService[];
  readonly teleport?: PlannedEntry & { readonly certificate?: string };
  readonly finops?: PlannedEntry;
  readonly devopsAgent?: PlannedEntry & { readonly investigate: string[] };
  /** Problems of the references between entries; empty when the plan can be built. */
  readonly problems: SpecProblem[];
}

const PROFILES: Record<string, EnvironmentProfile> = { development: EnvironmentProfile.DEVELOPMENT, production: EnvironmentProfile.PRODUCTION };

function entries(value: unknown): Array<[string, Record<string, unknown>]> {
  return value && typeof value === 'object' ? Object.entries(value as Record<string, Record<string, unknown>>).filter(([, v]) => v && typeof v === 'object') : [];
}

function pointerFor(pointer: string, dotted: string): string {
  return `${pointer}/${dotted.split('.').map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

/**
 * Plan a merged spec that passed the schema. Each entry's options carry the platform's profile; each
 * service's are its own keys over `defaults`.
 */
export function planSpec(merged: MergedSpec, environment?: string): SpecPlan {
  const spec = merged.value;
  const problems: SpecProblem[] = [];
  const at = (pointer: string, message: string, onValue = true) => problems.push(problemAt(merged, pointer, message, onValue));

  const platform = (spec.platform ?? {}) as Record<string, any>;
  const profile = PROFILES[platform.profile ?? 'development'];
  const withProfile = (options: Record<string, unknown>) => ({ ...options, profile });
  const single = (section: SpecSection): PlannedEntry => ({
    name: section.name,
    section,
    pointer: `/${section.name}`,
    options: optionsFrom(section, spec[section.name] ?? {}),
  });

  // --- services: their own keys over the defaults ------------------------------------------------------------
  const defaults = (spec.defaults ?? {}) as Record<string, unknown>;
  const services: PlannedService[] = entries(spec.services).map(([name, own]) => {
    const pointer = `/services/${name}`;
    const type: ServiceType = (own.type as ServiceType | undefined) ?? 'web';
    if (type === 'worker') {
      for (const rule of SERVICES_SECTION.rules.filter((r) => r.only === 'web')) {
        if (valueAt(own, rule.key) !== undefined && valueAt(own, rule.key) !== null) at(pointerFor(pointer, rule.key), `${rule.key} is a web service key: a worker (type: worker) has no load balancer, port or routing`, false);
      }
    }
    const entry = mergeValues(defaults, own, '', new Map(), new Map()) as Record<string, unknown>;
    const options = optionsFrom(SERVICES_SECTION, entry, type);
    if (valueAt(entry, 'autoscaling.enabled') === false) delete options.autoScaling;
    else if (valueAt(entry, 'autoscaling.enabled') === true) options.autoScaling = { ...(options.autoScaling as object | undefined) };
    const app = valueAt(entry, 'teleport.app') === true ? String(valueAt(entry, 'teleport.name') ?? name) : undefined;
    return { name, section: SERVICES_SECTION, pointer, type, options: withProfile(options), teleportApp: app };
  });
  const serviceNames = services.map((s) => s.name);
  const checkServices = (pointer: string, names: unknown): string[] => {
    const list = Array.isArray(names) ? names.map(String) : [];
    list.forEach((name, i) => {
      if (!serviceNames.includes(name)) {
        const near = nearestName(name, serviceNames);
        at(`${pointer}/${i}`, `no service is named ${JSON.stringify(name)}; ${near ? `did you mean ${near}?` : serviceNames.length ? `the services are ${serviceNames.join(', ')}` : 'the spec has no services'}`);
      }
    });
    return list.filter((name) => serviceNames.includes(name));
  };

  // --- certificates, and the references to them --------------------------------------------------------------
  const certificates: PlannedCertificate[] = entries(spec.certificates).map(([name, entry]) => ({
    name,
    section: CERTIFICATES_SECTION,
    pointer: `/certificates/${name}`,
    options: {},
    domainName: String(entry.domain),
    subjectAlternativeNames: ((entry.subjectAlternativeNames as string[] | undefined) ?? []).map(String),
    hostedZoneId: entry.hostedZoneId as string | undefined,
  }));
  const checkCertificate = (pointer: string, name: unknown, arn: unknown): string | undefined => {
    if (name === undefined) return undefined;
    const names = certificates.map((c) => c.name);
    if (arn !== undefined) at(pointer, 'give certificate (a name in certificates) or certificateArn, not both');
    if (!names.includes(String(name))) {
      const near = nearestName(String(name), names);
      at(pointer, `no certificate is named ${JSON.stringify(name)}; ${near ? `did you mean ${near}?` : names.length ? `the certificates are ${names.join(', ')}` : 'add it under certificates'}`);
      return undefined;
    }
    return String(name);
  };

  // --- teleport -------------------------------------------------------------------------------------------------
  const teleportSpec = spec.teleport as Record<string, unknown> | undefined;
  const teleportOn = teleportSpec !== undefined && teleportSpec.enabled !== false;
  const teleport = teleportOn ? {
    ...single(TELEPORT_SECTION),
    options: withProfile(optionsFrom(TELEPORT_SECTION, teleportSpec)),
    certificate: checkCertificate('/teleport/certificate', teleportSpec.certificate, teleportSpec.certificateArn),
  } : undefined;
  for (const service of services) {
    if (service.teleportApp && !teleport) at(`${service.pointer}/teleport/app`, 'Teleport application access needs the teleport section (with enabled: true)');
  }

  // --- data -----------------------------------------------------------------------------------------------------
  const databases: PlannedDatabase[] = entries(spec.databases).map(([name, entry]) => {
    const pointer = `/databases/${name}`;
    if (entry.skipFinalSnapshot !== undefined && entry.skipFinalSnapshot !== (profile === EnvironmentProfile.DEVELOPMENT)) {
      at(`${pointer}/skipFinalSnapshot`, profile === EnvironmentProfile.PRODUCTION
        ? 'a production database takes a final snapshot when deleted (and Terraform refuses to destroy it); use profile: development for a throwaway database'
        : 'a development database is deleted without a snapshot; use profile: production to keep one');
    }
    const onTeleport = valueAt(entry, 'teleport.enabled') === true;
    if (onTeleport && !teleport) at(`${pointer}/teleport/enabled`, 'Teleport database access needs the teleport section (with enabled: true)');
    const users = (valueAt(entry, 'teleport.users') as string[] | undefined) ?? [];
    if (onTeleport && users.length === 0) at(`${pointer}/teleport`, 'expected teleport.users: the database users Teleport may log in as', false);
    return {
      name,
      section: DATABASES_SECTION,
      pointer,
      options: withProfile(optionsFrom(DATABASES_SECTION, entry)),
      allowedServices: checkServices(`${pointer}/allowedServices`, entry.allowedServices),
      environmentPrefix: entry.environmentPrefix as string | undefined,
      teleport: onTeleport && teleport ? { name: String(valueAt(entry, 'teleport.name') ?? name), users } : undefined,
    };
  });
  const tables: PlannedTable[] = entries(spec.tables).map(([name, entry]) => {
    const pointer = `/tables/${name}`;
    const options = optionsFrom(TABLES_SECTION, entry);
    if (valueAt(entry, 'ttl.enabled') === false) delete options.timeToLiveAttribute;
    else if (valueAt(entry, 'ttl.enabled') === true && options.timeToLiveAttribute === undefined) at(`${pointer}/ttl`, 'expected ttl.attribute: the attribute holding each item\'s expiry time', false);
    return {
      name,
      section: TABLES_SECTION,
      pointer,
      options: withProfile(options),
      read: checkServices(`${pointer}/allowedServices/read`, valueAt(entry, 'allowedServices.read')),
      write: checkServices(`${pointer}/allowedServices/write`, valueAt(entry, 'allowedServices.write')),
    };
  });

  // --- the load balancer: when something needs it ---------------------------------------------------------------
  const lbSpec = spec.loadBalancer as Record<string, unknown> | undefined;
  const needsLoadBalancer = lbSpec !== undefined || teleport !== undefined || services.some((s) => s.type === 'web');
  const loadBalancer = needsLoadBalancer ? {
    ...single(LOAD_BALANCER_SECTION),
    certificate: checkCertificate('/loadBalancer/certificate', lbSpec?.certificate, lbSpec?.certificateArn),
  } : undefined;

  // Every name served on the shared HTTPS listener must be covered by a certificate on it (the load
  // balancer's, or Teleport's, which is added to the same listener): else browsers and tsh refuse the name.
  // Judged only when every certificate on the listener is one of `certificates` (an ARN's names are unknown).
  const named = (name: string | undefined) => certificates.find((c) => c.name === name);
  const lbCertificate = named(loadBalancer?.certificate);
  const teleportCertificate = named(teleport?.certificate);
  const arnGiven = lbSpec?.certificateArn !== undefined || (teleport !== undefined && teleportSpec?.certificateArn !== undefined);
  if (lbCertificate && !arnGiven && (teleport === undefined || teleport.certificate === undefined || teleportCertificate)) {
    const onListener = [lbCertificate, ...(teleportCertificate ? [teleportCertificate] : [])];
    const names = onListener.flatMap((c) => [c.domainName, ...c.subjectAlternativeNames]);
    const uncovered = (host: string) => !/[?]|.\*/.test(host) && !names.some((name) => certificateCovers(name, host));
    const fix = `add it to ${onListener.map((c) => `certificates.${c.name}`).join(' or ')} (domain or subjectAlternativeNames)`;
    for (const service of services.filter((s) => s.type === 'web')) {
      const hosts = ((service.options.routing as { hostHeaders?: string[] } | undefined)?.hostHeaders ?? []);
      hosts.forEach((host, i) => {
        if (uncovered(host)) at(`${service.pointer}/routing/hostHeaders/${i}`, `no certificate on the load balancer's HTTPS listener covers ${host}: ${fix}`);
      });
    }
    const domain = (teleport?.options as { domainName?: string } | undefined)?.domainName;
    if (domain) {
      const missing = [domain, `*.${domain}`].filter(uncovered);
      if (missing.length > 0) {
        at('/teleport/domain', `no certificate on the load balancer's HTTPS listener covers ${missing.join(' and ')} (Teleport's proxy and its apps): ${fix}`);
      }
    }
  }

  // --- operations -----------------------------------------------------------------------------------------------
  const finops = spec.finops !== undefined
    ? { ...single(FINOPS_SECTION), options: withProfile(optionsFrom(FINOPS_SECTION, spec.finops)) }
    : undefined;
  const agentSpec = spec.devopsAgent as Record<string, unknown> | undefined;
  const devopsAgent = agentSpec !== undefined ? {
    ...single(DEVOPS_AGENT_SECTION),
    options: withProfile({ name: platform.name, ...optionsFrom(DEVOPS_AGENT_SECTION, agentSpec) }),
    investigate: agentSpec.investigate === undefined ? serviceNames : checkServices('/devopsAgent/investigate', agentSpec.investigate),
  } : undefined;

  const tags: Record<string, string> = {
    ...(platform.tags as Record<string, string> | undefined),
    platform: String(platform.name),
    ...(environment ? { environment } : {}),
  };
  return {
    name: String(platform.name),
    region: String(platform.region),
    account: platform.account as string | undefined,
    profile,
    environment,
    tags,
    network: { ...single(NETWORK_SECTION), options: withProfile(single(NETWORK_SECTION).options) },
    cluster: single(CLUSTER_SECTION),
    certificates,
    loadBalancer,
    databases,
    tables,
    services,
    teleport,
    finops,
    devopsAgent,
    problems,
  };
}

/** Whether a certificate name (`app.example.com`, `*.example.com`) covers a host: a wildcard covers one label. */
export function certificateCovers(name: string, host: string): boolean {
  const n = name.toLowerCase();
  const h = host.toLowerCase();
  if (n === h) return true;
  return n.startsWith('*.') && !h.startsWith('*.') && h.includes('.') && h.slice(h.indexOf('.') + 1) === n.slice(2);
}

/**
 * A construct's validation error as spec problems: each prop problem at the YAML key that set the prop
 * (a service's inherited key at `defaults`), or at the entry when no key sets it.
 */
export function problemsFromConstruct(merged: Pick<MergedSpec, 'positions' | 'files'>, entry: PlannedEntry, error: unknown): SpecProblem[] {
  const construct = entry.section.builds.split(' / ')[0];
  if (!(error instanceof PropsValidationError)) {
    const message = error instanceof Error ? error.message : String(error);
    return [problemAt(merged, entry.pointer, `${construct}: ${message.split('\n').join(' ')}`, false)];
  }
  return error.problems.map((problem) => {
    const key = keyFor(entry, problem.prop);
    const own = key === undefined ? entry.pointer : pointerFor(entry.pointer, key);
    const inherited = key !== undefined && entry.section === SERVICES_SECTION && !hasPosition(merged.positions, own) ? pointerFor('/defaults', key) : undefined;
    const pointer = inherited && hasPosition(merged.positions, inherited) ? inherited : own;
    const where = key === undefined ? ` (${problem.prop})` : '';
    return problemAt(merged, pointer, `${problem.allowed}; got ${describe(problem.given)}${where}`, key !== undefined);
  });
}

/** Construct IDs of the single sections under a SpecPlatform (the named entries use their names). */
const SINGLE_IDS: Record<string, keyof SpecPlan> = {
  Network: 'network',
  Cluster: 'cluster',
  LoadBalancer: 'loadBalancer',
  Teleport: 'teleport',
  FinOps: 'finops',
  DevOpsAgent: 'devopsAgent',
};

/**
 * An error thrown after the build, at synthesis (a construct's checks that wait for every call, such as
 * Teleport's team roles), as spec problems: the entry is found by its construct path below the
 * SpecPlatform at `platformPath`. Undefined when the error is not a construct's prop error there.
 */
export function problemsFromSynthesis(merged: Pick<MergedSpec, 'positions' | 'files'>, plan: SpecPlan, platformPath: string, error: unknown): SpecProblem[] | undefined {
  if (!(error instanceof PropsValidationError) || !error.constructPath.startsWith(`${platformPath}/`)) return undefined;
  const id = error.constructPath.slice(platformPath.length + 1).split('/')[0];
  const single = SINGLE_IDS[id];
  const entry = single ? plan[single] as PlannedEntry | undefined
    : [...plan.services, ...plan.databases, ...plan.tables, ...plan.certificates].find((e) => e.name === id);
  return entry ? problemsFromConstruct(merged, entry, error) : undefined;
}

function keyFor(entry: PlannedEntry, prop: string): string | undefined {
  return keyForProp(entry.section === DEFAULTS_SECTION ? SERVICES_SECTION : entry.section, prop);
}

function hasPosition(positions: PositionMap, pointer: string): boolean {
  return positions.has(pointer);
}

