import { ENVIRONMENT_PROFILES, EnvironmentProfile, profileDefaults } from './environment-profile';
import { FARGATE_MEMORY_BY_CPU, FargateWebServiceOptions, InitContainerPlan, TargetProtocol } from './fargate-web-service';
import { DatabaseEngine } from './managed-database';
import { AttributeType, ManagedTableOptions, ProjectionType, StreamViewType } from './managed-table';
import { LOG_RETENTION_DAYS } from './platform-network';
import { AwsEnvironment, PolicyStatementJson } from './policies';
import { S } from './prop-schema';
import { PropsValidator, ValidationContext } from './validation';

/** A GitHub team and the Teleport roles its members get. */
export interface TeleportGitHubTeam {
  /** The team's slug in the organization, e.g. `platform`. */
  readonly team: string;
  /**
   * Teleport roles: the presets `access`, `editor`, `auditor`, the role
   * `platform-apps` (every registered app) and `db-<name>` of each database
   * registered with `addDatabase`.
   */
  readonly roles: string[];
}

/** GitHub single sign-on: an OAuth app of the organization. */
export interface TeleportGitHubOptions {
  /** The OAuth app's client ID. */
  readonly clientId: string;
  /**
   * ARN of the Secrets Manager secret holding the OAuth app's client secret
   * (the plain string). It is read at task start by the task's config container
   * and never appears in a template, in Terraform state or in the task definition.
   */
  readonly clientSecretArn: string;
  /** The GitHub organization whose teams sign in. */
  readonly organization: string;
  /** Which teams get which roles; at least one. */
  readonly teamsToRoles: TeleportGitHubTeam[];
}

/** Engine-neutral options of TeleportCluster, shared by the CDK and CDKTF constructs. */
export interface TeleportClusterOptions {
  /**
   * The proxy's public address, e.g. `teleport.example.com`. Applications are
   * served under `<app>.<domainName>`: point both names (and the certificate)
   * at the load balancer.
   */
  readonly domainName: string;
  /**
   * The Teleport cluster name. It is part of every certificate Teleport issues
   * and can never change after the first start.
   * @default - the domainName
   */
  readonly clusterName?: string;
  /** GitHub single sign-on. */
  readonly github: TeleportGitHubOptions;
  /**
   * ARN of an ACM certificate for `domainName` and `*.domainName`: added to the
   * shared load balancer's HTTPS listener, or the certificate of Teleport's own
   * load balancer (required then).
   * @default - the shared load balancer's own certificate must cover both names
   */
  readonly certificateArn?: string;
  /**
   * The Teleport version (`major.minor.patch`) of the
   * `public.ecr.aws/gravitational/teleport-distroless` image.
   * @default TELEPORT_VERSION, pinned by this library
   */
  readonly teleportVersion?: string;
  /**
   * Tasks running Teleport's auth and proxy services, 1 or 2 (Teleport supports
   * at most two auth servers on DynamoDB: more would throttle its stream reads).
   * @default - 1 in DEVELOPMENT, 2 in PRODUCTION
   */
  readonly replicas?: number;
  /**
   * Task CPU units.
   * @default 512
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB; a size Fargate offers for `cpu`.
   * @default 1024
   */
  readonly memoryMiB?: number;
  /**
   * Priority of the listener rule for the domain and its wildcard, 1 to 50,000,
   * unique on the listener.
   * @default - the lowest priority still free on the listener
   */
  readonly listenerPriority?: number;
  /**
   * Days Teleport keeps audit events (its `audit_retention_period`) and the
   * bucket keeps session recordings.
   * @default - 30 in DEVELOPMENT, 365 in PRODUCTION
   */
  readonly auditRetentionDays?: number;
  /**
   * Days to keep the container log.
   * @default - 30 in DEVELOPMENT, 365 in PRODUCTION
   */
  readonly logRetentionDays?: number;
  /**
   * Cost-versus-resilience defaults.
   * @default - the cluster's profile
   */
  readonly profile?: EnvironmentProfile;
}

/** How a database is registered with Teleport. */
export interface TeleportDatabaseOptions {
  /**
   * Database users Teleport may log in as through IAM authentication. Each must
   * exist in the database with IAM login granted (PostgreSQL: `GRANT rds_iam TO
   * <user>`; MySQL: `IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'`).
   */
  readonly users: string[];
  /**
   * The name users see (`tsh db connect <name>`), a DNS label.
   * @default - the database construct's ID in lower case
   */
  readonly name?: string;
  /**
   * Database names (schemas) the role `db-<name>` may open.
   * @default - the database's own databaseName
   */
  readonly databaseNames?: string[];
}

/** How a web service is registered with Teleport's application access. */
export interface TeleportAppOptions {
  /** The app's name, a DNS label: it is served at `https://<name>.<domainName>`. */
  readonly name: string;
}

/** The Teleport version this release of the library pins (the teleport-distroless image tag). */
export const TELEPORT_VERSION = '18.10.0';

/** @internal the run-time shape of TeleportClusterOptions. */
export const TELEPORT_OPTIONS_SCHEMA = S.struct<TeleportClusterOptions>({
  domainName: S.string,
  clusterName: S.string,
  github: S.struct<TeleportGitHubOptions>({
    clientId: S.string,
    clientSecretArn: S.string,
    organization: S.string,
    teamsToRoles: S.arrayOf(S.struct<TeleportGitHubTeam>({ team: S.string, roles: S.strings }, ['team', 'roles'])),
  }, ['clientId', 'clientSecretArn', 'organization', 'teamsToRoles']),
  certificateArn: S.string,
  teleportVersion: S.string,
  replicas: S.integer,
  cpu: S.integer,
  memoryMiB: S.integer,
  listenerPriority: S.integer,
  auditRetentionDays: S.integer,
  logRetentionDays: S.integer,
  profile: S.enumOf('EnvironmentProfile', EnvironmentProfile),
}, ['domainName', 'github']);

/** @internal */
export const TELEPORT_DATABASE_OPTIONS_SCHEMA = S.struct<TeleportDatabaseOptions>({
  users: S.strings, name: S.string, databaseNames: S.strings,
}, ['users']);

/** @internal */
export const TELEPORT_APP_OPTIONS_SCHEMA = S.struct<TeleportAppOptions>({ name: S.string }, ['name']);

/** @internal ports, paths and fixed facts both engines render alike. */
export const TELEPORT = {
  image: 'public.ecr.aws/gravitational/teleport-distroless',
  /** The proxy's web port: HTTPS with a self-signed certificate the load balancer accepts. */
  webPort: 3080,
  /** Answers 200 without authentication once the proxy serves. */
  healthCheckPath: '/webapi/ping',
  /** Teleport supports at most two auth servers on DynamoDB (stream read throttling). */
  maxDynamoDbAuthServers: 2,
  /** Where the config container writes and Teleport reads its files. */
  configDir: '/etc/teleport',
  configVolume: 'teleport-config',
  configContainer: 'teleport-config',
  /** A pinned image with a POSIX shell for the config container (teleport-distroless has none). */
  configImage: 'public.ecr.aws/docker/library/busybox:1.37.0',
  /** The audit events table's time index, as Teleport creates and queries it. */
  eventsIndex: 'timesearchV2',
  recordingsPrefix: 'records',
  presetRoles: ['access', 'editor', 'auditor'],
  appsRole: 'platform-apps',
  databaseLabel: 'platform/database',
  appLabel: 'platform/app',
  connectorName: 'github',
  /** Teleport's graceful shutdown (SIGQUIT) waits for sessions; ECS allows at most 120 s. */
  stopTimeoutSeconds: 120,
  /** The first start creates the cluster's certificate authorities. */
  startupGraceSeconds: 120,
  cpu: 512,
  memoryMiB: 1024,
} as const;

/** @internal one database registered with Teleport; the values may be deploy-time tokens. */
export interface TeleportDatabasePlan {
  /** The construct registered (each is registered once). */
  readonly source?: unknown;
  readonly name: string;
  readonly protocol: 'postgres' | 'mysql';
  readonly address: string;
  readonly port: number;
  readonly instanceIdentifier: string;
  readonly resourceId: string;
  readonly instanceArn: string;
  readonly users: string[];
  readonly databaseNames: string[];
}

/** @internal one web service registered for application access. */
export interface TeleportAppPlan {
  /** The construct registered (ECS takes one service registry per service). */
  readonly source?: unknown;
  readonly name: string;
  /** Where Teleport reaches the tasks: the service's Cloud Map name and container port. */
  readonly uri: string;
}

/** @internal what both engines build for a TeleportCluster. */
export interface TeleportPlan {
  readonly profile: EnvironmentProfile;
  readonly version: string;
  readonly domainName: string;
  readonly clusterName: string;
  readonly publicAddress: string;
  readonly github: TeleportGitHubOptions;
  readonly certificateArn?: string;
  readonly replicas: number;
  readonly auditRetentionDays: number;
  readonly retainOnDelete: boolean;
  /** Days the deleted key waits before AWS destroys it. */
  readonly keyDeletionWindowDays: number;
  /** The web service Teleport runs as (listener rule, HTTPS targets, health check, alarms). */
  readonly service: FargateWebServiceOptions;
  /** DynamoDB tables in the shapes Teleport creates them: cluster state (with its stream) and audit events. */
  readonly stateTable: ManagedTableOptions;
  readonly eventsTable: ManagedTableOptions;
  readonly databases: TeleportDatabasePlan[];
  readonly apps: TeleportAppPlan[];
}

/** @internal what only the binding knows: the shared listener and its taken priorities. */
export interface TeleportEngineFacts {
  readonly sharedLoadBalancer: boolean;
  /** Whether the shared load balancer listens on HTTPS; undefined when no load balancer was given. */
  readonly loadBalancerHttps?: boolean;
  readonly takenPriorities: readonly number[];
  readonly clusterProfile: EnvironmentProfile;
  /** Whether the shared load balancer is on the cluster's network; undefined when unknown. */
  readonly sameNetwork?: boolean;
  /** NAT gateways of the cluster's network; undefined when unknown. */
  readonly natGateways?: number;
}

/** @internal the collaborators' shape both bindings share (their PlatformCluster and PlatformLoadBalancer). */
export interface TeleportCollaborators {
  readonly cluster?: { readonly profile: EnvironmentProfile; readonly network: { readonly natGatewayCount: number } };
  readonly loadBalancer?: { readonly httpsListener?: unknown; readonly network: unknown; readonly _takenPriorities: readonly number[] };
}

/**
 * @internal
 * What the planner needs to know about the collaborators: `checked` holds the props of the right type,
 * `given` the props as given (a wrong loadBalancer is reported on its own, not again as a missing certificate).
 */
export function teleportEngineFacts(given: { readonly loadBalancer?: unknown } | undefined, checked: TeleportCollaborators): TeleportEngineFacts {
  const shared = checked.loadBalancer;
  const cluster = checked.cluster;
  return {
    sharedLoadBalancer: given?.loadBalancer !== undefined && given?.loadBalancer !== null,
    loadBalancerHttps: shared ? shared.httpsListener !== undefined : undefined,
    takenPriorities: shared?._takenPriorities ?? [],
    clusterProfile: cluster?.profile ?? EnvironmentProfile.DEVELOPMENT,
    sameNetwork: shared && cluster ? shared.network === cluster.network : undefined,
    natGateways: cluster?.network.natGatewayCount,
  };
}

/** @internal addApp's facts about a FargateWebService of either engine. */
export function teleportAppFacts(plan: TeleportPlan, app: {
  readonly node: { readonly id: string };
  readonly cluster: { readonly network: unknown };
  readonly containerPort: number;
}, clusterNetwork: unknown, name: string | undefined): TeleportAppFacts {
  return {
    source: app,
    id: app.node.id,
    sameNetwork: app.cluster.network === clusterNetwork,
    host: `${name}.${teleportAppNamespaceName(plan)}`,
    port: app.containerPort,
  };
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const VERSION = /^\d+\.\d+\.\d+$/;
const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const GITHUB_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,98})$/;
const DB_USER = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;

/** @internal validate TeleportCluster options (all problems at once) and compute the plan. */
export function planTeleport(options: TeleportClusterOptions, facts: TeleportEngineFacts,
  validation: PropsValidator | ValidationContext): TeleportPlan {
  const { v, o } = PropsValidator.begin(validation, TELEPORT_OPTIONS_SCHEMA, options);
  const profile = v.oneOf('profile', o.profile, ENVIRONMENT_PROFILES) ? o.profile! : facts.clusterProfile;
  const defaults = profileDefaults(profile);
  const production = profile === EnvironmentProfile.PRODUCTION;

  const domainName = o.domainName;
  if (domainName !== undefined && !v.isUnresolved(domainName)) {
    if (v.require(HOST_NAME.test(domainName), 'domainName', domainName,
      'expected a lower-case DNS host name such as "teleport.example.com" (no scheme, port, path or wildcard)')) {
      // The listener rule matches `*.<domainName>`, and an ALB host-header value has at most 128 characters.
      v.require(domainName.length <= 126, 'domainName', domainName, 'expected at most 126 characters (the listener rule matches *.<domainName>, at most 128)');
    }
  } else if (domainName !== undefined) {
    v.report('domainName', domainName, 'expected a literal host name: it goes into listener rules, the certificate check and Teleport\'s configuration');
  }
  const clusterName = o.clusterName ?? domainName ?? '';
  if (o.clusterName !== undefined) {
    v.require(/^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/.test(o.clusterName), 'clusterName', o.clusterName,
      'expected 1 to 63 lower-case letters, digits, dots and hyphens, e.g. "platform"');
  }

  const g = o.github;
  if (g) {
    if (g.clientId !== undefined && !v.isUnresolved(g.clientId)) {
      v.require(/^[A-Za-z0-9._-]{1,100}$/.test(g.clientId), 'github.clientId', g.clientId, 'expected the OAuth app\'s client ID, e.g. "Iv1.0123456789abcdef"');
    }
    if (g.clientSecretArn !== undefined && !v.isUnresolved(g.clientSecretArn)) {
      // Anything but an ARN may be the secret itself: the error never repeats it.
      v.require(SECRET_ARN.test(g.clientSecretArn), 'github.clientSecretArn',
        g.clientSecretArn.startsWith('arn:') ? g.clientSecretArn : '<a value that is not an ARN, not shown>',
        'expected a Secrets Manager secret ARN such as "arn:aws:secretsmanager:eu-west-1:111122223333:secret:teleport/github-AbCdEf" (the secret itself never goes into props)');
    }
    if (g.organization !== undefined && !v.isUnresolved(g.organization)) {
      v.require(GITHUB_NAME.test(g.organization), 'github.organization', g.organization, 'expected a GitHub organization name, e.g. "my-org"');
    }
    if (g.teamsToRoles !== undefined) {
      v.require(g.teamsToRoles.length > 0, 'github.teamsToRoles', g.teamsToRoles, 'expected at least one team with its roles (nobody could sign in otherwise)');
      const seen = new Set<string>();
      g.teamsToRoles.forEach((t, i) => {
        const prop = `github.teamsToRoles[${i}]`;
        if (t.team !== undefined && !v.isUnresolved(t.team)) {
          if (v.require(GITHUB_NAME.test(t.team), `${prop}.team`, t.team, 'expected a team slug, e.g. "platform"')) {
            v.require(!seen.has(t.team), `${prop}.team`, t.team, 'expected each team once (give one entry all its roles)');
          }
          seen.add(t.team);
        }
        if (t.roles !== undefined) {
          v.require(t.roles.length > 0, `${prop}.roles`, t.roles, 'expected at least one role');
          t.roles.forEach((role, j) => {
            if (!v.isUnresolved(role)) v.require(ROLE_NAME.test(role), `${prop}.roles[${j}]`, role, 'expected a Teleport role name such as "access"');
          });
        }
      });
    }
  }

  if (o.certificateArn !== undefined && !v.isUnresolved(o.certificateArn)) {
    v.require(ACM_ARN.test(o.certificateArn), 'certificateArn', o.certificateArn,
      'expected an ACM certificate ARN such as "arn:aws:acm:eu-west-1:111122223333:certificate/1234abcd-..."');
  }
  if (!facts.sharedLoadBalancer) {
    // Unless the props or the load balancer were given wrongly (reported already).
    if (o.certificateArn === undefined && !['certificateArn', 'props', 'loadBalancer'].some((prop) => v.hasProblemAt(prop))) {
      v.report('certificateArn', undefined,
        'expected a certificate for domainName and *.domainName when no shared loadBalancer is given: Teleport\'s own load balancer serves HTTPS on 443 only');
    }
    if (o.listenerPriority !== undefined) {
      v.report('listenerPriority', o.listenerPriority, 'expected no listenerPriority without a shared loadBalancer (Teleport\'s own load balancer forwards everything to it)');
    }
  } else if (facts.loadBalancerHttps === false) {
    v.report('loadBalancer', '<a PlatformLoadBalancer without a certificate>',
      'expected a load balancer listening on HTTPS: give it certificateArn or domain (Teleport is served on 443 only)');
  }
  if (facts.sharedLoadBalancer && facts.sameNetwork === false) {
    v.report('loadBalancer', '<a PlatformLoadBalancer on another network>',
      'expected a load balancer on the cluster\'s network (a target group reaches tasks only inside its own VPC)');
  }
  if (facts.natGateways === 0) {
    v.report('cluster', '<a cluster on a network with natGateways: 0>',
      'expected a network with a NAT gateway: Teleport signs users in through github.com and pulls its images from public registries');
  }

  const version = o.teleportVersion ?? TELEPORT_VERSION;
  v.require(VERSION.test(version), 'teleportVersion', version, 'expected a full version such as "18.10.0" (an explicit image tag, never "latest")');

  const replicas = o.replicas ?? (production ? TELEPORT.maxDynamoDbAuthServers : 1);
  if (!v.hasProblemAt('replicas') && !v.isUnresolved(replicas)) {
    v.require(Number.isInteger(replicas) && replicas >= 1 && replicas <= TELEPORT.maxDynamoDbAuthServers, 'replicas', replicas,
      `expected 1 or ${TELEPORT.maxDynamoDbAuthServers}: Teleport supports at most ${TELEPORT.maxDynamoDbAuthServers} auth servers on DynamoDB (more throttle its stream reads)`);
  }
  const cpu = o.cpu ?? TELEPORT.cpu;
  const memoryMiB = o.memoryMiB ?? TELEPORT.memoryMiB;
  const cpus = Object.keys(FARGATE_MEMORY_BY_CPU).map(Number);
  // A cpu of the wrong type was reported already: memory is then judged against every size, not the default cpu's.
  const cpuOk = !v.hasProblemAt('cpu') && (v.isUnresolved(cpu) || v.require(cpus.includes(cpu), 'cpu', cpu, `expected one of ${cpus.join(', ')}`));
  if (!v.hasProblemAt('memoryMiB') && !v.isUnresolved(cpu) && !v.isUnresolved(memoryMiB)) {
    if (cpuOk) {
      v.require(FARGATE_MEMORY_BY_CPU[cpu].includes(memoryMiB), 'memoryMiB', memoryMiB,
        `expected a memory size Fargate offers for cpu ${cpu}: ${FARGATE_MEMORY_BY_CPU[cpu].join(', ')}`);
    } else {
      const any = [...new Set(Object.values(FARGATE_MEMORY_BY_CPU).flat())];
      v.require(any.includes(memoryMiB), 'memoryMiB', memoryMiB, 'expected a memory size Fargate offers (512, 1024, 2048, then steps of 1024 up to 30720, 4096 up to 61440, 8192 up to 122880)');
    }
  }
  let listenerPriority = o.listenerPriority;
  if (listenerPriority !== undefined) {
    if (v.integerInRange('listenerPriority', listenerPriority, 1, 50000)) {
      v.require(!facts.takenPriorities.includes(listenerPriority), 'listenerPriority', listenerPriority,
        `expected a priority not taken on the listener (taken: ${[...facts.takenPriorities].sort((a, b) => a - b).join(', ')})`);
    }
  } else {
    listenerPriority = 1;
    while (facts.takenPriorities.includes(listenerPriority)) listenerPriority++;
  }
  const auditRetentionDays = o.auditRetentionDays ?? (production ? 365 : 30);
  v.integerInRange('auditRetentionDays', auditRetentionDays, 1, 3650);
  const logRetentionDays = o.logRetentionDays ?? defaults.auditLogRetentionDays;
  v.require(LOG_RETENTION_DAYS.includes(logRetentionDays), 'logRetentionDays', logRetentionDays, `expected one of ${LOG_RETENTION_DAYS.join(', ')}`);

  v.throwIfInvalid();

  const configFile = (name: string) => `${TELEPORT.configDir}/${name}`;
  return {
    profile,
    version,
    domainName: domainName!,
    clusterName,
    publicAddress: `${domainName}:443`,
    github: { ...g!, teamsToRoles: g!.teamsToRoles.map((t) => ({ team: t.team, roles: [...t.roles] })) },
    certificateArn: o.certificateArn,
    replicas,
    auditRetentionDays,
    retainOnDelete: defaults.retainOnDelete,
    keyDeletionWindowDays: defaults.keyDeletionWindowDays,
    service: {
      image: `${TELEPORT.image}:${version}`,
      // dumb-init turns ECS's SIGTERM into SIGQUIT, Teleport's graceful shutdown (as Teleport's own images do).
      entryPoint: ['/usr/bin/dumb-init', '--rewrite', '15:3', '--', '/usr/local/bin/teleport', 'start'],
      command: [
        '--config', configFile('teleport.yaml'),
        '--bootstrap', configFile('bootstrap.yaml'),
        '--apply-on-startup', configFile('apply-on-startup.yaml'),
      ],
      containerPort: TELEPORT.webPort,
      targetProtocol: TargetProtocol.HTTPS,
      cpu,
      memoryMiB,
      desiredCount: replicas,
      // Never more auth servers than DynamoDB supports: two tasks are replaced one at a time, one starts its successor first.
      ...(replicas >= TELEPORT.maxDynamoDbAuthServers ? { minimumHealthyPercent: 50, maximumPercent: 100 } : {}),
      // Auth servers keep no state of their own, but two tasks of one deployment must not run on Spot together.
      spot: false,
      stopTimeoutSeconds: TELEPORT.stopTimeoutSeconds,
      healthCheckGracePeriodSeconds: TELEPORT.startupGraceSeconds,
      healthCheck: { path: TELEPORT.healthCheckPath, healthyHttpCodes: '200' },
      // Teleport's text log writes the level as ERRO (older releases) or ERROR.
      alarms: { errorLogPattern: '?ERRO ?ERROR' },
      // On a shared listener: the domain and its wildcard (application access). Alone: the whole listener.
      ...(facts.sharedLoadBalancer
        ? { routing: { hostHeaders: [domainName!, `*.${domainName}`], priority: listenerPriority } }
        : { loadBalancerOptions: { certificateArn: o.certificateArn, profile } }),
      logRetentionDays,
      profile,
    },
    stateTable: {
      partitionKey: { name: 'HashKey', type: AttributeType.STRING },
      sortKey: { name: 'FullPath', type: AttributeType.STRING },
      timeToLiveAttribute: 'Expires',
      stream: StreamViewType.NEW_IMAGE,
      profile,
    },
    eventsTable: {
      partitionKey: { name: 'SessionID', type: AttributeType.STRING },
      sortKey: { name: 'EventIndex', type: AttributeType.NUMBER },
      globalSecondaryIndexes: [{
        indexName: TELEPORT.eventsIndex,
        partitionKey: { name: 'CreatedAtDate', type: AttributeType.STRING },
        sortKey: { name: 'CreatedAt', type: AttributeType.NUMBER },
        projection: ProjectionType.ALL,
      }],
      timeToLiveAttribute: 'Expires',
      profile,
    },
    databases: [],
    apps: [],
  };
}

/** @internal what the binding knows about a ManagedDatabase handed to addDatabase. */
export interface TeleportDatabaseFacts {
  /** The construct itself, to register it once. */
  readonly source: unknown;
  /** Whether it is on the cluster's network (Teleport reaches it inside the VPC). */
  readonly sameNetwork: boolean;
  /** The construct's ID, for the default name. */
  readonly id: string;
  readonly engine: DatabaseEngine;
  readonly databaseName: string;
  readonly address: string;
  readonly port: number;
  readonly instanceIdentifier: string;
  readonly resourceId: string;
  readonly instanceArn: string;
}

/** @internal check addDatabase's options and add the database to the plan. */
export function planTeleportDatabase(plan: TeleportPlan, options: TeleportDatabaseOptions | undefined, facts: TeleportDatabaseFacts | undefined,
  v: PropsValidator): TeleportDatabasePlan | undefined {
  const o = options ?? ({} as TeleportDatabaseOptions);
  if (facts) {
    const registered = plan.databases.find((d) => d.source === facts.source);
    if (registered) v.report('database', `<${facts.id}>`, `expected a database not registered yet (it is registered as ${registered.name})`);
    if (!facts.sameNetwork) v.report('database', `<${facts.id}>`, 'expected a database on the cluster\'s network (Teleport reaches it inside the VPC)');
  }
  const name = o.name ?? facts?.id.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (name !== undefined && !v.hasProblemAt('options.name')) {
    const prop = o.name !== undefined ? 'options.name' : 'database';
    if (v.require(DNS_LABEL.test(name), prop, name, 'expected a name of lower-case letters, digits and hyphens starting with a letter (give options.name)')) {
      v.require(!plan.databases.some((d) => d.name === name), prop, name, 'expected a database name not registered yet');
    }
  }
  if (o.users !== undefined) {
    v.require(o.users.length > 0, 'options.users', o.users, 'expected at least one database user');
    o.users.forEach((user, i) => {
      if (!v.isUnresolved(user)) {
        v.require(DB_USER.test(user), `options.users[${i}]`, user, 'expected a database user name of letters, digits, _ and $ (not starting with a digit)');
      }
    });
  }
  if (o.databaseNames !== undefined) {
    v.require(o.databaseNames.length > 0, 'options.databaseNames', o.databaseNames, 'expected at least one database name (or leave it out for the database\'s own)');
    o.databaseNames.forEach((db, i) => {
      if (!v.isUnresolved(db)) {
        v.require(/^[A-Za-z_*][A-Za-z0-9_$-]{0,62}$/.test(db), `options.databaseNames[${i}]`, db,
          'expected a database name of letters, digits, _, $ and - (not starting with a digit), or "*" for every database');
      }
    });
  }
  v.throwIfInvalid();
  const planned: TeleportDatabasePlan = {
    source: facts!.source,
    name: name!,
    protocol: facts!.engine === DatabaseEngine.POSTGRES ? 'postgres' : 'mysql',
    address: facts!.address,
    port: facts!.port,
    instanceIdentifier: facts!.instanceIdentifier,
    resourceId: facts!.resourceId,
    instanceArn: facts!.instanceArn,
    users: [...o.users],
    databaseNames: o.databaseNames ? [...o.databaseNames] : [facts!.databaseName],
  };
  plan.databases.push(planned);
  return planned;
}

/** @internal what the binding knows about a FargateWebService handed to addApp. */
export interface TeleportAppFacts {
  readonly source: unknown;
  readonly id: string;
  readonly sameNetwork: boolean;
  /** Its Cloud Map name and container port. */
  readonly host: string;
  readonly port: number;
}

/** @internal check addApp's options and add the app to the plan. */
export function planTeleportApp(plan: TeleportPlan, options: TeleportAppOptions | undefined, facts: TeleportAppFacts | undefined,
  v: PropsValidator): TeleportAppPlan | undefined {
  if (facts) {
    const registered = plan.apps.find((a) => a.source === facts.source);
    if (registered) {
      v.report('app', `<${facts.id}>`, `expected a service not registered yet (it is registered as ${registered.name}; ECS takes one service registry per service)`);
    }
    if (!facts.sameNetwork) v.report('app', `<${facts.id}>`, 'expected a service on the cluster\'s network (Teleport reaches its tasks inside the VPC)');
  }
  const name = options?.name;
  if (name !== undefined && !v.isUnresolved(name)) {
    if (v.require(DNS_LABEL.test(name) && name.length <= 63, 'options.name', name,
      'expected a DNS label: lower-case letters, digits and hyphens, starting with a letter (it becomes <name>.<domainName>)')) {
      v.require(!plan.apps.some((a) => a.name === name), 'options.name', name, 'expected an app name not registered yet (each app has its own host name)');
    }
  }
  v.throwIfInvalid();
  const planned = { source: facts!.source, name: name!, uri: `http://${facts!.host}:${facts!.port}` };
  plan.apps.push(planned);
  return planned;
}

/** @internal the role granting database `name`. */
export function teleportDatabaseRole(name: string): string {
  return `db-${name}`;
}

/** @internal the names of the deploy-time resources the configuration refers to (tokens in the bindings). */
export interface TeleportResourceNames {
  readonly region: string;
  readonly stateTableName: string;
  readonly eventsTableName: string;
  readonly recordingsBucketName: string;
}

/**
 * @internal
 * Teleport's `teleport.yaml` (config version v3): auth and proxy in one
 * process behind the ALB (TLS routing through its connection upgrade),
 * DynamoDB state and audit events, S3 session recordings (encrypted by the
 * bucket's default key), GitHub as the authentication connector, and the
 * database and app services for what was registered.
 */
export function teleportConfigYaml(plan: TeleportPlan, names: TeleportResourceNames): string {
  const config = {
    version: 'v3',
    teleport: {
      data_dir: '/var/lib/teleport',
      log: { output: 'stderr', severity: 'INFO', format: { output: 'text' } },
      storage: {
        type: 'dynamodb',
        region: names.region,
        table_name: names.stateTableName,
        audit_events_uri: [`dynamodb://${names.eventsTableName}`],
        audit_sessions_uri: `s3://${names.recordingsBucketName}/${TELEPORT.recordingsPrefix}`,
        audit_retention_period: `${plan.auditRetentionDays * 24}h`,
        // Point-in-time recovery is on in the table's definition; Teleport keeps it on.
        continuous_backups: true,
      },
    },
    auth_service: {
      enabled: true,
      cluster_name: plan.clusterName,
      listen_addr: '0.0.0.0:3025',
      proxy_listener_mode: 'multiplex',
      authentication: { type: 'github', connector_name: TELEPORT.connectorName },
    },
    proxy_service: {
      enabled: true,
      web_listen_addr: `0.0.0.0:${TELEPORT.webPort}`,
      public_addr: plan.publicAddress,
      // Behind the ALB: the client address comes in X-Forwarded-For.
      trust_x_forwarded_for: true,
    },
    ssh_service: { enabled: false },
    db_service: plan.databases.length === 0 ? { enabled: false } : {
      enabled: true,
      databases: plan.databases.map((d) => ({
        name: d.name,
        protocol: d.protocol,
        uri: `${d.address}:${d.port}`,
        static_labels: { [TELEPORT.databaseLabel]: d.name },
        aws: { region: names.region, rds: { instance_id: d.instanceIdentifier } },
      })),
    },
    app_service: plan.apps.length === 0 ? { enabled: false } : {
      enabled: true,
      apps: plan.apps.map((a) => ({
        name: a.name,
        uri: a.uri,
        public_addr: `${a.name}.${plan.domainName}`,
        labels: { [TELEPORT.appLabel]: a.name },
      })),
    },
  };
  return toYaml(config);
}

/**
 * @internal
 * The roles applied on every start (`--apply-on-startup`): `platform-apps`
 * (every registered app) and `db-<name>` per registered database (its users
 * and database names). Teleport's presets access, editor and auditor exist already.
 */
export function teleportRolesYaml(plan: TeleportPlan): string {
  const roles = [
    {
      kind: 'role',
      version: 'v7',
      metadata: { name: TELEPORT.appsRole, description: 'Application access to every app registered by the platform' },
      spec: { allow: { app_labels: { [TELEPORT.appLabel]: '*' } } },
    },
    ...plan.databases.map((d) => ({
      kind: 'role',
      version: 'v7',
      metadata: { name: teleportDatabaseRole(d.name), description: `Database access to ${d.name} through IAM authentication` },
      spec: { allow: { db_labels: { [TELEPORT.databaseLabel]: d.name }, db_names: d.databaseNames, db_users: d.users } },
    })),
  ];
  return roles.map((role) => toYaml(role)).join('---\n');
}

/**
 * @internal
 * The GitHub connector created on the first start (`--bootstrap`: Teleport
 * applies no connector on later starts), after the roles it maps teams to. It
 * ends with `client_secret: |-`: the config container appends the secret,
 * indented, at task start.
 */
export function teleportConnectorYamlHead(plan: TeleportPlan): string {
  const connector = {
    kind: 'github',
    version: 'v3',
    metadata: { name: TELEPORT.connectorName },
    spec: {
      display: 'GitHub',
      client_id: plan.github.clientId,
      // Without the default port: GitHub requires the callback registered on the OAuth app to match.
      redirect_url: `https://${plan.domainName}/v1/webapi/github/callback`,
      teams_to_roles: plan.github.teamsToRoles.map((t) => ({ organization: plan.github.organization, team: t.team, roles: t.roles })),
    },
  };
  return `${toYaml(connector)}  client_secret: |-\n`;
}

/** @internal roles a team may be mapped to: Teleport's presets and the roles this cluster defines. */
export function teleportKnownRoles(plan: TeleportPlan): string[] {
  return [...TELEPORT.presetRoles, TELEPORT.appsRole, ...plan.databases.map((d) => teleportDatabaseRole(d.name))];
}

/**
 * @internal
 * Check, when the configuration is rendered (after every addDatabase), that each
 * team maps to roles that exist: Teleport would let nobody in with a missing one.
 */
export function checkTeamRoles(plan: TeleportPlan, context: ValidationContext): void {
  const v = new PropsValidator(context);
  const known = teleportKnownRoles(plan);
  plan.github.teamsToRoles.forEach((t, i) => t.roles.forEach((role, j) => {
    v.require(known.includes(role), `github.teamsToRoles[${i}].roles[${j}]`, role, `expected one of ${known.join(', ')} (db-<name> roles come from addDatabase)`);
  }));
  v.throwIfInvalid();
}

/**
 * @internal
 * The config container's script: writes the three files from its environment
 * (and the client secret ECS injected) into the shared volume. `$NAME` only:
 * `${` would be read as an interpolation in Terraform JSON.
 */
export const TELEPORT_CONFIG_SCRIPT = [
  'set -eu',
  'umask 077',
  `printf '%s' "$TELEPORT_CONFIG" > ${TELEPORT.configDir}/teleport.yaml`,
  `printf '%s' "$TELEPORT_ROLES" > ${TELEPORT.configDir}/apply-on-startup.yaml`,
  // The first start creates the roles before the connector that maps teams to them; the secret goes last.
  '{ printf \'%s\' "$TELEPORT_ROLES"; printf \'%s\\n\' \'---\'; printf \'%s\' "$TELEPORT_CONNECTOR"; printf \'    %s\\n\' "$GITHUB_CLIENT_SECRET"; }'
    + ` > ${TELEPORT.configDir}/bootstrap.yaml`,
].join('\n');

/** @internal the config container that writes Teleport's files before Teleport starts. */
export function teleportConfigContainer(plan: TeleportPlan, names: () => TeleportResourceNames, check: () => void): InitContainerPlan {
  return {
    name: TELEPORT.configContainer,
    image: TELEPORT.configImage,
    entryPoint: ['/bin/sh', '-c'],
    command: [TELEPORT_CONFIG_SCRIPT],
    environmentNames: ['TELEPORT_CONFIG', 'TELEPORT_ROLES', 'TELEPORT_CONNECTOR'],
    environment: () => {
      check();
      return {
        TELEPORT_CONFIG: teleportConfigYaml(plan, names()),
        TELEPORT_ROLES: teleportRolesYaml(plan),
        TELEPORT_CONNECTOR: teleportConnectorYamlHead(plan),
      };
    },
    secrets: [{ name: 'GITHUB_CLIENT_SECRET', arn: plan.github.clientSecretArn }],
    volumeName: TELEPORT.configVolume,
    mountPath: TELEPORT.configDir,
  };
}

/** @internal the DynamoDB actions Teleport documents for its state table and its stream. */
export const TELEPORT_STATE_TABLE_ACTIONS: readonly string[] = [
  'dynamodb:BatchWriteItem', 'dynamodb:UpdateTimeToLive', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Scan',
  'dynamodb:Query', 'dynamodb:DescribeStream', 'dynamodb:UpdateItem', 'dynamodb:DescribeTimeToLive', 'dynamodb:CreateTable',
  'dynamodb:DescribeTable', 'dynamodb:GetShardIterator', 'dynamodb:GetItem', 'dynamodb:UpdateTable', 'dynamodb:GetRecords',
  'dynamodb:UpdateContinuousBackups',
  // Atomic writes (TransactWriteItems) check conditions on items of the state table.
  'dynamodb:ConditionCheckItem',
];
const STREAM_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords', 'dynamodb:ConditionCheckItem'];
/** @internal the same on the audit events table and its index, less the stream actions. */
export const TELEPORT_EVENTS_TABLE_ACTIONS: readonly string[] = TELEPORT_STATE_TABLE_ACTIONS.filter((a) => !STREAM_ACTIONS.includes(a));
/** @internal on the recordings bucket (which must be versioned). */
export const TELEPORT_BUCKET_ACTIONS: readonly string[] = [
  's3:ListBucket', 's3:ListBucketVersions', 's3:ListBucketMultipartUploads', 's3:GetEncryptionConfiguration', 's3:GetBucketVersioning',
];
/** @internal on the recordings. */
export const TELEPORT_RECORDING_ACTIONS: readonly string[] = [
  's3:GetObject', 's3:GetObjectVersion', 's3:GetObjectRetention', 's3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload',
];
/** @internal the key, as DynamoDB uses it for the role. */
export const TELEPORT_TABLE_KEY_ACTIONS: readonly string[] = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];
/** @internal the key, as S3 uses it for the role (SSE-KMS uploads and reads). */
export const TELEPORT_BUCKET_KEY_ACTIONS: readonly string[] = ['kms:Decrypt', 'kms:GenerateDataKey'];

/** @internal the ARNs the task role's statements name; tokens in the bindings. */
export interface TeleportResourceArns {
  readonly stateTableArn: string;
  readonly eventsTableArn: string;
  readonly recordingsBucketArn: string;
  readonly keyArn: string;
}

/**
 * @internal
 * Teleport's own statements on the task role: exactly the actions its
 * documentation lists, on exactly its tables, stream, index, bucket and key,
 * plus `rds-db:connect` as each registered database user.
 */
export function teleportTaskRoleStatements(plan: TeleportPlan, arns: TeleportResourceArns, env: AwsEnvironment): PolicyStatementJson[] {
  const via = (service: string) => ({ StringEquals: { 'kms:ViaService': `${service}.${env.region}.${env.urlSuffix}` } });
  const statements: PolicyStatementJson[] = [
    { Effect: 'Allow', Action: [...TELEPORT_STATE_TABLE_ACTIONS], Resource: [arns.stateTableArn, `${arns.stateTableArn}/stream/*`] },
    { Effect: 'Allow', Action: [...TELEPORT_EVENTS_TABLE_ACTIONS], Resource: [arns.eventsTableArn, `${arns.eventsTableArn}/index/*`] },
    { Effect: 'Allow', Action: [...TELEPORT_BUCKET_ACTIONS], Resource: arns.recordingsBucketArn },
    { Effect: 'Allow', Action: [...TELEPORT_RECORDING_ACTIONS], Resource: `${arns.recordingsBucketArn}/${TELEPORT.recordingsPrefix}/*` },
    { Effect: 'Allow', Action: [...TELEPORT_TABLE_KEY_ACTIONS], Resource: arns.keyArn, Condition: via('dynamodb') },
    { Effect: 'Allow', Action: [...TELEPORT_BUCKET_KEY_ACTIONS], Resource: arns.keyArn, Condition: via('s3') },
  ];
  for (const d of plan.databases) statements.push(...teleportDatabaseStatements(d, env));
  return statements;
}

/** @internal IAM authentication as exactly the named users of exactly this instance, and reading the instance's settings. */
export function teleportDatabaseStatements(d: TeleportDatabasePlan, env: AwsEnvironment): PolicyStatementJson[] {
  return [
    {
      Effect: 'Allow',
      Action: 'rds-db:connect',
      Resource: d.users.map((user) => `arn:${env.partition}:rds-db:${env.region}:${env.accountId}:dbuser:${d.resourceId}/${user}`),
    },
    // The database service reads the instance's endpoint and IAM setting.
    { Effect: 'Allow', Action: 'rds:DescribeDBInstances', Resource: d.instanceArn },
  ];
}

/** @internal the private DNS namespace apps are registered in (one per Teleport cluster, inside the VPC). */
export function teleportAppNamespaceName(plan: TeleportPlan): string {
  return `${plan.clusterName.replace(/\./g, '-').slice(0, 40)}.teleport.internal`;
}

/** @internal the recordings bucket's lifecycle: expire after the audit retention, IA after 30 days when kept longer. */
export function teleportRecordingsLifecycle(plan: TeleportPlan) {
  return {
    expirationDays: plan.auditRetentionDays,
    noncurrentExpirationDays: 30,
    abortMultipartDays: 7,
    // S3 moves objects to Standard-IA no earlier than 30 days; only worth it when they stay well beyond.
    infrequentAccessAfterDays: plan.auditRetentionDays > 60 ? 30 : undefined,
  };
}

/**
 * @internal
 * A small YAML emitter for the configuration: maps and lists in block style,
 * strings double-quoted as JSON (valid YAML), so deploy-time tokens inside
 * them stay intact and nothing is read as a number, boolean or anchor.
 */
export function toYaml(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]\n`;
    return value.map((item) => {
      if (isScalar(item)) return `${pad}- ${scalar(item)}\n`;
      const body = toYaml(item, indent + 2);
      return `${pad}- ${body.slice(indent + 2)}`;
    }).join('');
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return `${pad}{}\n`;
    return entries.map(([key, v]) => {
      const k = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
      if (isScalar(v)) return `${pad}${k}: ${scalar(v)}\n`;
      if (Array.isArray(v) && v.length === 0) return `${pad}${k}: []\n`;
      return `${pad}${k}:\n${toYaml(v, indent + 2)}`;
    }).join('');
  }
  return `${pad}${scalar(value)}\n`;
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

function scalar(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
