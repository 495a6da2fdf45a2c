/**
 * The platform spec's sections: every YAML key, the construct prop it sets and its JSON Schema, in one
 * table per section. The schema editors and `validate` check (schema.ts), the conversion to construct
 * options (plan.ts) and the mapping of a construct's error back to the YAML key that caused it all read
 * these tables, so a key can never be documented, checked and applied three different ways.
 */
import { fromPropSchema, JsonSchema } from './json-schema';
import { DEVOPS_AGENT_SPACE_OPTIONS_SCHEMA } from '../constructs/devops-agent-space';
import { WEB_SERVICE_OPTIONS_SCHEMA } from '../constructs/fargate-web-service';
import { WORKER_SERVICE_OPTIONS_SCHEMA } from '../constructs/fargate-worker-service';
import { FINOPS_OPTIONS_SCHEMA } from '../constructs/finops-guardrails';
import { DATABASE_OPTIONS_SCHEMA } from '../constructs/managed-database';
import { MANAGED_TABLE_OPTIONS_SCHEMA } from '../constructs/managed-table';
import { CLUSTER_OPTIONS_SCHEMA } from '../constructs/platform-cluster';
import { LOAD_BALANCER_OPTIONS_SCHEMA } from '../constructs/platform-load-balancer';
import { NETWORK_OPTIONS_SCHEMA } from '../constructs/platform-network';
import type { PropSchema, StructSchema } from '../constructs/prop-schema';
import { TELEPORT_OPTIONS_SCHEMA } from '../constructs/teleport-cluster';

/** One YAML key of a section entry. */
export interface KeyRule {
  /** The key inside the entry, dotted for nested keys: `healthCheck.interval`. */
  readonly key: string;
  /**
   * The construct prop it sets, dotted: `healthCheck.intervalSeconds`. None for keys the builder reads
   * itself: references to other entries (`allowedServices`, `certificate`), switches (`enabled`) and
   * the seed's keys whose value the library fixes (`publiclyAccessible: false`).
   */
  readonly prop?: string;
  /** What the key takes. */
  readonly schema: JsonSchema;
  /** The YAML value -> the prop's value, when they differ (`hashKey` -> a TableAttribute). */
  readonly toProp?: (value: unknown) => unknown;
  /** Only services of this type take it. */
  readonly only?: ServiceType;
}

/** A service's kind: `web` (behind the load balancer) or `worker` (no load balancer). */
export type ServiceType = 'web' | 'worker';

/** One top-level section of the spec. */
export interface SpecSection {
  /** The top-level key: `services`. */
  readonly name: string;
  /** What it builds, for documentation and errors: `FargateWebService / FargateWorkerService`. */
  readonly builds: string;
  /** True when the section maps names to entries (`services: { test-app: {...} }`). */
  readonly named: boolean;
  readonly description: string;
  readonly rules: readonly KeyRule[];
  /** Keys that must be given (dotted). */
  readonly required?: readonly string[];
}

/** The prop schema at a dotted path of a construct's options. */
function propAt(struct: StructSchema, path: string): PropSchema {
  let at: PropSchema = struct;
  for (const part of path.split('.')) {
    if (at.kind !== 'struct' || !at.fields[part]) throw new Error(`no prop ${path}`);
    at = at.fields[part];
  }
  return at;
}

/** A key that sets the prop of the same construct, typed as the construct types it. */
function prop(struct: StructSchema, key: string, propPath: string, description: string, extra: Partial<KeyRule> = {}): KeyRule {
  return { key, prop: propPath, schema: fromPropSchema(propAt(struct, propPath), description), ...extra };
}

/** Keys named exactly like their props, passed through unchanged. */
function same(struct: StructSchema, descriptions: Record<string, string>): KeyRule[] {
  return Object.entries(descriptions).map(([key, description]) => prop(struct, key, key, description));
}

/** A key the library fixes: only `value` is accepted, and `why` says so in the error and the docs. */
function fixed(key: string, value: unknown, why: string): KeyRule {
  return { key, schema: { const: value, description: `Only ${JSON.stringify(value)}: ${why}` } };
}

/** The platform's name and every entry's (services, databases, tables, certificates): DNS-label-like. */
export const NAME_PATTERN = '^[a-z][a-z0-9-]{0,38}[a-z0-9]$';
const serviceNames = (description: string): JsonSchema => ({ type: 'array', items: { type: 'string' }, description });
const PROFILE: JsonSchema = { enum: ['development', 'production'], description: 'Cost-versus-resilience defaults of every construct (development: one NAT gateway, Spot, deletable data; production: multi-AZ, deletion protection, data kept on delete).' };

export const PLATFORM_SECTION: SpecSection = {
  name: 'platform',
  builds: 'the stack: its name, region, profile and tags',
  named: false,
  description: 'The platform: its name, region and profile.',
  required: ['name', 'region'],
  rules: [
    { key: 'name', schema: { type: 'string', pattern: NAME_PATTERN, description: 'The platform\'s name: lower-case letters, digits and hyphens (2-40). Names the stack and is tagged as `platform` on every resource.' } },
    { key: 'region', schema: { type: 'string', pattern: '^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d$', description: 'The AWS region, e.g. `eu-west-1`.' } },
    { key: 'profile', schema: PROFILE },
    { key: 'account', schema: { type: 'string', pattern: '^\\d{12}$', description: 'The AWS account ID the platform deploys to: any other is refused at deploy (CDK: a CloudFormation rule; CDKTF: the provider\'s allowed_account_ids).' } },
    { key: 'tags', schema: { type: 'object', additionalProperties: { type: 'string' }, description: 'Tags on every resource, besides `platform: <name>` and `environment: <env>`.' } },
  ],
};

export const NETWORK_SECTION: SpecSection = {
  name: 'network',
  builds: 'PlatformNetwork',
  named: false,
  description: 'The VPC: public, private and isolated subnets over the availability zones.',
  rules: same(NETWORK_OPTIONS_SCHEMA, {
    cidr: 'The VPC\'s IPv4 CIDR, /16 to /24.',
    maxAzs: 'How many availability zones to spread over.',
    availabilityZones: 'The availability zones, by name (instead of maxAzs).',
    natGateways: 'NAT gateways: 0, 1, or one per AZ.',
    flowLogs: 'VPC flow logs to CloudWatch Logs.',
    s3GatewayEndpoint: 'An S3 gateway endpoint (free).',
    restrictDefaultSecurityGroup: 'Strip the default security group\'s rules.',
  }),
};

export const CLUSTER_SECTION: SpecSection = {
  name: 'cluster',
  builds: 'PlatformCluster',
  named: false,
  description: 'The ECS cluster every service runs in, with the alerts topic every alarm notifies.',
  rules: same(CLUSTER_OPTIONS_SCHEMA, {
    containerInsights: 'CloudWatch Container Insights.',
    execLogRetentionDays: 'Days to keep ECS Exec session logs.',
  }),
};

export const LOAD_BALANCER_SECTION: SpecSection = {
  name: 'loadBalancer',
  builds: 'PlatformLoadBalancer',
  named: false,
  description: 'The shared application load balancer web services and Teleport attach to (created when a web service or Teleport needs it).',
  rules: [
    { key: 'certificate', schema: { type: 'string', description: 'The name of an entry of `certificates` to serve HTTPS with (HTTP on 80 redirects to 443).' } },
    ...same(LOAD_BALANCER_OPTIONS_SCHEMA, {
      certificateArn: 'ARN of an existing ACM certificate (instead of `certificate`).',
      internal: 'In the private subnets, with no public address.',
      allowedCidrs: 'Who may reach the listeners (IPv4 CIDRs).',
      idleTimeoutSeconds: 'Seconds an idle connection stays open.',
      deletionProtection: 'Refuse deletion through the API.',
      accessLogRetentionDays: 'Days to keep access logs.',
    }),
  ],
};

export const CERTIFICATES_SECTION: SpecSection = {
  name: 'certificates',
  builds: 'ACM certificates (DNS-validated)',
  named: true,
  description: 'ACM certificates, by name, that `loadBalancer.certificate` and `teleport.certificate` refer to.',
  required: ['domain'],
  rules: [
    { key: 'domain', schema: { type: 'string', description: 'The certificate\'s domain name, e.g. `app.example.com`.' } },
    { key: 'subjectAlternativeNames', schema: { type: 'array', items: { type: 'string' }, maxItems: 99, description: 'More names the certificate covers, e.g. `*.app.example.com`.' } },
    fixed('validationMethod', 'DNS', 'certificates are validated through DNS records, which renew on their own'),
    { key: 'hostedZoneId', schema: { type: 'string', pattern: '^Z[A-Z0-9]{1,31}$', description: 'The Route 53 hosted zone to write the validation records to. Without it, deployment waits until you create the records it outputs.' } },
  ],
};

/** Maps `autoscaling.targetCpu` style keys and drops `enabled`; worker and web share them. */
const SERVICE_SHARED_RULES: KeyRule[] = [
  { key: 'type', schema: { enum: ['web', 'worker'], description: 'web (default): behind the load balancer, routed by `routing`; worker: no load balancer, no port.' } },
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'image', 'image', 'The container image, e.g. `public.ecr.aws/nginx/nginx:1.27`.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'command', 'command', 'The container\'s command (overrides the image\'s CMD).'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'entryPoint', 'entryPoint', 'The container\'s entry point (overrides the image\'s ENTRYPOINT).'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'cpu', 'cpu', 'CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'memory', 'memoryMiB', 'Memory in MiB, valid for the cpu.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'desiredCount', 'desiredCount', 'Tasks to run (the autoscaling floor when autoscaling is on).'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'cpuArchitecture', 'cpuArchitecture', 'X86_64 or ARM64 (Graviton).'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'spot', 'spot', 'Run on Fargate Spot.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'stopTimeout', 'stopTimeoutSeconds', 'Seconds between SIGTERM and SIGKILL.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'ephemeralStorage', 'ephemeralStorageGiB', 'Task storage in GiB, 21 to 200.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'minimumHealthyPercent', 'minimumHealthyPercent', 'Deployment: the lower limit of running tasks, percent of desiredCount.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'maximumPercent', 'maximumPercent', 'Deployment: the upper limit of running tasks, percent of desiredCount.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'logRetentionDays', 'logRetentionDays', 'Days to keep the container log.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'environment', 'environment', 'Plain environment variables.'),
  {
    key: 'secrets',
    prop: 'secrets',
    schema: {
      type: 'object',
      description: 'Environment variables read from Secrets Manager or SSM Parameter Store at task start: an ARN, or `{ secretsManagerArn, jsonKey }` / `{ ssmParameterArn }`.',
      additionalProperties: { type: ['string', 'object'], properties: (fromPropSchema(propAt(WEB_SERVICE_OPTIONS_SCHEMA, 'secrets')).additionalProperties as JsonSchema).properties, additionalProperties: false },
    },
    toProp: (value) => Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, secret]) => [name, typeof secret === 'string'
      ? (/^arn:[^:]+:ssm:/.test(secret) ? { ssmParameterArn: secret } : { secretsManagerArn: secret })
      : secret])),
  },
  { key: 'healthCheck.command', prop: 'healthCheck.command', schema: { type: 'array', items: { type: 'string' }, description: 'A container health check command, e.g. `["CMD-SHELL", "curl -f localhost/health"]` (required for a worker\'s health check).' } },
  { key: 'healthCheck.interval', prop: 'healthCheck.intervalSeconds', schema: { type: 'integer', description: 'Seconds between health checks.' } },
  { key: 'healthCheck.timeout', prop: 'healthCheck.timeoutSeconds', schema: { type: 'integer', description: 'Seconds a health check may take.' } },
  { key: 'healthCheck.unhealthyThreshold', prop: 'healthCheck.unhealthyThreshold', schema: { type: 'integer', description: 'Failed checks before a target or task is unhealthy.' } },
  { key: 'autoscaling.enabled', schema: { type: 'boolean', description: 'Target-tracking autoscaling (on when the section is given; false turns an inherited one off).' } },
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'autoscaling.minCapacity', 'autoScaling.minCapacity', 'Fewest tasks.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'autoscaling.maxCapacity', 'autoScaling.maxCapacity', 'Most tasks.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'autoscaling.targetCpu', 'autoScaling.cpuTargetPercent', 'Average CPU utilisation to track, percent.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'autoscaling.targetMemory', 'autoScaling.memoryTargetPercent', 'Average memory utilisation to track, percent.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'alarms.cpuPercent', 'alarms.cpuPercent', 'CPU alarm threshold, percent.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'alarms.memoryPercent', 'alarms.memoryPercent', 'Memory alarm threshold, percent.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'alarms.errorLogCount', 'alarms.errorLogCount', 'Error log lines per period that alarm.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'alarms.errorLogPattern', 'alarms.errorLogPattern', 'The CloudWatch Logs filter pattern of an error line.'),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'alarms.evaluationPeriods', 'alarms.evaluationPeriods', 'Periods of one minute a threshold must be breached.'),
];

const WEB_ONLY = { only: 'web' as ServiceType };
const SERVICE_WEB_RULES: KeyRule[] = [
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'port', 'containerPort', 'The port the container listens on.', WEB_ONLY),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'targetProtocol', 'targetProtocol', 'HTTP or HTTPS from the load balancer to the container.', WEB_ONLY),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'healthCheck.path', 'healthCheck.path', 'The load balancer\'s health check path.', WEB_ONLY),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'healthCheck.healthyThreshold', 'healthCheck.healthyThreshold', 'Passed checks before a target is healthy.', WEB_ONLY),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'healthCheck.matcher', 'healthCheck.healthyHttpCodes', 'HTTP codes that mean healthy, e.g. `200-299`.', WEB_ONLY),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'healthCheck.gracePeriod', 'healthCheckGracePeriodSeconds', 'Seconds after a task starts during which failed health checks are ignored.', WEB_ONLY),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'deregistrationDelay', 'deregistrationDelaySeconds', 'Seconds the load balancer drains a stopping task.', WEB_ONLY),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'routing.pathPatterns', 'routing.pathPatterns', 'Paths routed to the service, e.g. `/api/*`.', WEB_ONLY),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'routing.hostHeaders', 'routing.hostHeaders', 'Host names routed to the service.', WEB_ONLY),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'routing.priority', 'routing.priority', 'The listener rule\'s priority (unique per load balancer).', WEB_ONLY),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'alarms.http5xxCount', 'alarms.http5xxCount', '5xx responses per period that alarm.', WEB_ONLY),
  prop(WEB_SERVICE_OPTIONS_SCHEMA, 'alarms.unhealthyHosts', 'alarms.unhealthyHosts', 'Unhealthy targets that alarm.', WEB_ONLY),
  { key: 'teleport.app', schema: { type: 'boolean', description: 'Serve the service through Teleport application access as `https://<name>.<teleport domain>`.' }, only: 'web' },
  { key: 'teleport.name', schema: { type: 'string', description: 'Its name in Teleport (default: the service\'s name).' }, only: 'web' },
];

export const SERVICES_SECTION: SpecSection = {
  name: 'services',
  builds: 'FargateWebService / FargateWorkerService',
  named: true,
  description: 'ECS Fargate services, by name: `web` services behind the shared load balancer, `worker` services without one. Each inherits `defaults`.',
  rules: [...SERVICE_SHARED_RULES, ...SERVICE_WEB_RULES],
};

export const DEFAULTS_SECTION: SpecSection = {
  name: 'defaults',
  builds: 'every service',
  named: false,
  description: 'Service settings every service inherits (deep-merged under each service\'s own). Keys a service type does not take are skipped for it.',
  rules: SERVICES_SECTION.rules.filter((r) => r.key !== 'type' && !r.key.startsWith('teleport.') && !r.key.startsWith('routing.')),
};

export const DATABASES_SECTION: SpecSection = {
  name: 'databases',
  builds: 'ManagedDatabase',
  named: true,
  description: 'RDS databases, by name, in the isolated subnets; the master password is generated and kept by RDS in Secrets Manager.',
  rules: [
    prop(DATABASE_OPTIONS_SCHEMA, 'engine', 'engine', 'postgres, mysql or mariadb.'),
    { key: 'engineVersion', prop: 'engineVersion', schema: { type: 'string', description: 'A major (`17`) or full (`17.9`) version. Quote it: YAML reads 15.10 as the number 15.1.' } },
    prop(DATABASE_OPTIONS_SCHEMA, 'instanceClass', 'instanceClass', 'e.g. `db.t4g.micro`.'),
    prop(DATABASE_OPTIONS_SCHEMA, 'allocatedStorage', 'allocatedStorageGiB', 'Storage (gp3) to start with, GiB.'),
    prop(DATABASE_OPTIONS_SCHEMA, 'maxAllocatedStorage', 'maxAllocatedStorageGiB', 'Storage autoscaling\'s ceiling, GiB.'),
    prop(DATABASE_OPTIONS_SCHEMA, 'database', 'databaseName', 'The database created in the instance.'),
    prop(DATABASE_OPTIONS_SCHEMA, 'username', 'masterUsername', 'The master user\'s name.'),
    prop(DATABASE_OPTIONS_SCHEMA, 'port', 'port', 'The port.'),
    prop(DATABASE_OPTIONS_SCHEMA, 'multiAz', 'multiAz', 'A standby in a second AZ.'),
    prop(DATABASE_OPTIONS_SCHEMA, 'deletionProtection', 'deletionProtection', 'Refuse deletion through the API.'),
    prop(DATABASE_OPTIONS_SCHEMA, 'backup.retentionPeriod', 'backupRetentionDays', 'Days of automated backups, 1 to 35.'),
    prop(DATABASE_OPTIONS_SCHEMA, 'backup.window', 'backupWindow', 'The daily backup window (UTC), `hh24:mi-hh24:mi`.'),
    prop(DATABASE_OPTIONS_SCHEMA, 'maintenance.window', 'maintenanceWindow', 'The weekly maintenance window (UTC), `ddd:hh24:mi-ddd:hh24:mi`.'),
    prop(DATABASE_OPTIONS_SCHEMA, 'monitoringInterval', 'monitoringIntervalSeconds', 'Enhanced Monitoring\'s interval in seconds (0: off).'),
    prop(DATABASE_OPTIONS_SCHEMA, 'kmsKeyArn', 'kmsKeyArn', 'An existing KMS key (default: one is created).'),
    fixed('publiclyAccessible', false, 'databases live in the isolated subnets; reach one through Teleport (`teleport.enabled`)'),
    { key: 'skipFinalSnapshot', schema: { type: 'boolean', description: 'Follows the profile: development deletes without a snapshot, production snapshots on delete and refuses a destroy. Given, it must agree with the profile.' } },
    { key: 'allowedServices', schema: serviceNames('Services given the connection settings (DB_HOST, DB_PORT, DB_NAME; DB_USERNAME and DB_PASSWORD as secrets) and network access.') },
    { key: 'environmentPrefix', schema: { type: 'string', description: 'Prefix of the variables the allowed services get (default `DB`).' } },
    { key: 'teleport.enabled', schema: { type: 'boolean', description: 'Register the database with Teleport database access.' } },
    { key: 'teleport.users', schema: { type: 'array', items: { type: 'string' }, description: 'Database users Teleport may log in as (IAM authentication).' } },
    { key: 'teleport.name', schema: { type: 'string', description: 'Its name in Teleport (default: the database\'s name).' } },
  ],
};

const tableAttribute = (description: string): JsonSchema => ({
  type: 'object',
  description,
  properties: { name: { type: 'string' }, type: { enum: ['S', 'N', 'B'] } },
  required: ['name', 'type'],
  additionalProperties: false,
});

export const TABLES_SECTION: SpecSection = {
  name: 'tables',
  builds: 'ManagedTable',
  named: true,
  description: 'DynamoDB tables, by name, encrypted, with point-in-time recovery; `allowedServices` are granted read or write access and the table\'s name.',
  required: ['hashKey'],
  rules: [
    prop(MANAGED_TABLE_OPTIONS_SCHEMA, 'billingMode', 'billingMode', 'PAY_PER_REQUEST or PROVISIONED.'),
    { key: 'hashKey', prop: 'partitionKey', schema: tableAttribute('The partition key: `{ name, type: S | N | B }`.') },
    { key: 'sortKey', prop: 'sortKey', schema: tableAttribute('The sort key: `{ name, type: S | N | B }`.') },
    prop(MANAGED_TABLE_OPTIONS_SCHEMA, 'readCapacity', 'readCapacity', 'PROVISIONED: read capacity units.'),
    prop(MANAGED_TABLE_OPTIONS_SCHEMA, 'writeCapacity', 'writeCapacity', 'PROVISIONED: write capacity units.'),
    {
      key: 'globalSecondaryIndexes',
      prop: 'globalSecondaryIndexes',
      schema: {
        type: 'array',
        description: 'Global secondary indexes: `{ name, hashKey, sortKey, projection, nonKeyAttributes }`.',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            hashKey: tableAttribute('The index\'s partition key.'),
            sortKey: tableAttribute('The index\'s sort key.'),
            projection: { enum: ['ALL', 'KEYS_ONLY', 'INCLUDE'] },
            nonKeyAttributes: { type: 'array', items: { type: 'string' } },
          },
          required: ['name', 'hashKey'],
          additionalProperties: false,
        },
      },
      toProp: (value) => (value as Array<Record<string, unknown>>)
        .map(({ name, hashKey, ...rest }) => ({ indexName: name, partitionKey: hashKey, ...rest })),
    },
    { key: 'ttl.enabled', schema: { type: 'boolean', description: 'Expire items (on when `ttl.attribute` is given; false turns an inherited one off).' } },
    { key: 'ttl.attribute', prop: 'timeToLiveAttribute', schema: { type: 'string', description: 'The attribute holding each item\'s expiry time (epoch seconds).' } },
    prop(MANAGED_TABLE_OPTIONS_SCHEMA, 'stream', 'stream', 'A DynamoDB stream: NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY.'),
    prop(MANAGED_TABLE_OPTIONS_SCHEMA, 'deletionProtection', 'deletionProtection', 'Refuse DeleteTable.'),
    prop(MANAGED_TABLE_OPTIONS_SCHEMA, 'kmsKeyArn', 'kmsKeyArn', 'An existing KMS key (default: one is created).'),
    prop(MANAGED_TABLE_OPTIONS_SCHEMA, 'environmentVariable', 'environmentVariable', 'The variable allowed services get the table\'s name in (default `<NAME>_TABLE`).'),
    fixed('pointInTimeRecovery', true, 'every table keeps 35 days of point-in-time recovery'),
    fixed('encryption', true, 'every table is encrypted with a customer-managed KMS key'),
    { key: 'allowedServices.read', schema: serviceNames('Services granted read access (GetItem, Query, Scan, ...).') },
    { key: 'allowedServices.write', schema: serviceNames('Services granted write access (PutItem, UpdateItem, DeleteItem, ...).') },
  ],
};

export const TELEPORT_SECTION: SpecSection = {
  name: 'teleport',
  builds: 'TeleportCluster',
  named: false,
  description: 'Teleport zero-trust access on the shared load balancer: GitHub SSO, database access and application access.',
  rules: [
    { key: 'enabled', schema: { type: 'boolean', description: 'Deploy Teleport (default true when the section is given; false turns an inherited one off).' } },
    prop(TELEPORT_OPTIONS_SCHEMA, 'domain', 'domainName', 'The proxy\'s address; apps are served under `<app>.<domain>`.'),
    prop(TELEPORT_OPTIONS_SCHEMA, 'clusterName', 'clusterName', 'The Teleport cluster\'s name.'),
    prop(TELEPORT_OPTIONS_SCHEMA, 'version', 'teleportVersion', 'The Teleport version.'),
    prop(TELEPORT_OPTIONS_SCHEMA, 'cpu', 'cpu', 'CPU units of each task.'),
    prop(TELEPORT_OPTIONS_SCHEMA, 'memory', 'memoryMiB', 'Memory of each task, MiB.'),
    prop(TELEPORT_OPTIONS_SCHEMA, 'replicas', 'replicas', 'Tasks to run.'),
    { key: 'certificate', schema: { type: 'string', description: 'The name of an entry of `certificates` covering `domain` and `*.domain`.' } },
    prop(TELEPORT_OPTIONS_SCHEMA, 'certificateArn', 'certificateArn', 'ARN of an existing certificate (instead of `certificate`).'),
    prop(TELEPORT_OPTIONS_SCHEMA, 'listenerPriority', 'listenerPriority', 'Its listener rule\'s priority on the shared load balancer.'),
    prop(TELEPORT_OPTIONS_SCHEMA, 'auditRetentionDays', 'auditRetentionDays', 'Days to keep the audit log.'),
    prop(TELEPORT_OPTIONS_SCHEMA, 'logRetentionDays', 'logRetentionDays', 'Days to keep the container log.'),
    fixed('sso.github.enabled', true, 'GitHub is how users sign in to Teleport'),
    prop(TELEPORT_OPTIONS_SCHEMA, 'sso.github.clientId', 'github.clientId', 'The GitHub OAuth app\'s client ID.'),
    prop(TELEPORT_OPTIONS_SCHEMA, 'sso.github.clientSecretArn', 'github.clientSecretArn', 'The Secrets Manager secret holding the OAuth app\'s client secret.'),
    prop(TELEPORT_OPTIONS_SCHEMA, 'sso.github.organization', 'github.organization', 'The GitHub organization whose teams sign in.'),
    prop(TELEPORT_OPTIONS_SCHEMA, 'sso.github.teams', 'github.teamsToRoles', 'Teams and the Teleport roles they get: `[{ team, roles }]`.'),
  ],
};

export const FINOPS_SECTION: SpecSection = {
  name: 'finops',
  builds: 'FinOpsGuardrails',
  named: false,
  description: 'FinOps guardrails: budgets, cost anomaly detection, EC2/EBS events and idle-resource reports, to the alerts topic.',
  rules: same(FINOPS_OPTIONS_SCHEMA, {
    budgets: 'AWS Budgets with their alert thresholds.',
    notify: 'Who else is told (emails, Slack, Jira).',
    anomalyDetection: 'Cost anomaly detection.',
    instanceEvents: 'Report EC2 instance state changes.',
    volumeEvents: 'Report EBS volume events.',
    idleInstances: 'A scheduled report of idle EC2 instances.',
    unattachedVolumes: 'A scheduled report of unattached EBS volumes.',
    budgetAction: 'What a budget breach does.',
    logRetentionDays: 'Days to keep the reports\' logs.',
  }),
};

export const DEVOPS_AGENT_SECTION: SpecSection = {
  name: 'devopsAgent',
  builds: 'DevOpsAgentSpace',
  named: false,
  description: 'An AWS DevOps Agent space that monitors the platform and investigates its services\' alarms.',
  rules: [
    ...same(DEVOPS_AGENT_SPACE_OPTIONS_SCHEMA, {
      name: 'The agent space\'s name (default: the platform\'s).',
      description: 'What the space is for.',
      locale: 'The language of its findings.',
      github: 'The GitHub repository it reads.',
      slack: 'The Slack channel it reports to.',
      operatorApp: 'The operator web app.',
      investigationPriority: 'Priority of the investigations alarms start.',
    }),
    { key: 'investigate', schema: serviceNames('Services whose alarms start investigations (default: every service).') },
  ],
};

/** Every section, in the order the builder creates them. */
export const SECTIONS: readonly SpecSection[] = [
  PLATFORM_SECTION,
  NETWORK_SECTION,
  CLUSTER_SECTION,
  CERTIFICATES_SECTION,
  LOAD_BALANCER_SECTION,
  DEFAULTS_SECTION,
  DATABASES_SECTION,
  TABLES_SECTION,
  SERVICES_SECTION,
  TELEPORT_SECTION,
  FINOPS_SECTION,
  DEVOPS_AGENT_SECTION,
];

/** The worker's options schema, for the prop lookups of worker services. */
export const SERVICE_OPTION_SCHEMAS: Record<ServiceType, StructSchema> = { web: WEB_SERVICE_OPTIONS_SCHEMA, worker: WORKER_SERVICE_OPTIONS_SCHEMA };

/** The value at a dotted path of an object, or undefined. */
export function valueAt(entry: unknown, dotted: string): unknown {
  let at: unknown = entry;
  for (const part of dotted.split('.')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function setAt(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let at = target;
  for (const part of parts.slice(0, -1)) {
    at[part] = (at[part] as Record<string, unknown> | undefined) ?? {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts[parts.length - 1]] = value;
}

/**
 * The construct options an entry's keys set: every rule with a prop whose key is given (and, with
 * `type`, taken by that service type).
 */
export function optionsFrom(section: SpecSection, entry: unknown, type?: ServiceType): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const rule of section.rules) {
    if (!rule.prop || (rule.only && type && rule.only !== type)) continue;
    const value = valueAt(entry, rule.key);
    if (value === undefined || value === null) continue;
    setAt(options, rule.prop, rule.toProp ? rule.toProp(value) : value);
  }
  return options;
}

/**
 * The spec key (dotted, with any index or map key the prop carries: `budgets[0].limitUsd` ->
 * `budgets.0.limitUsd`) a construct's problem at `propPath` came from, or undefined when no key sets it.
 */
export function keyForProp(section: SpecSection, propPath: string): string | undefined {
  const dotted = propPath.replace(/\[(\d+)\]/g, '.$1');
  let best: { rule: KeyRule; rest: string } | undefined;
  for (const rule of section.rules) {
    if (!rule.prop) continue;
    if (dotted === rule.prop || dotted.startsWith(`${rule.prop}.`)) {
      if (!best || rule.prop.length > best.rule.prop!.length) best = { rule, rest: dotted.slice(rule.prop.length) };
    }
  }
  if (!best) return undefined;
  // Inside a value converted on the way (a GSI's indexName), the converted names are the YAML's ones back.
  const rest = best.rest.replace(/\.indexName$/, '.name').replace(/\.partitionKey(?=\.|$)/, '.hashKey');
  return `${best.rule.key}${rest}`;
}
