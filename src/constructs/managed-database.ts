import { createHash } from 'crypto';
import { ENVIRONMENT_PROFILES, EnvironmentProfile, profileDefaults } from './environment-profile';
import type { ContainerSecret } from './fargate-web-service';
import { PolicyStatementJson } from './policies';
import { S } from './prop-schema';
import { PropsValidator, ValidationContext } from './validation';

/** The database engine of a ManagedDatabase. */
export enum DatabaseEngine {
  /** PostgreSQL. */
  POSTGRES = 'postgres',
  /** MySQL Community Edition. */
  MYSQL = 'mysql',
  /** MariaDB. */
  MARIADB = 'mariadb',
}

/** Engine-neutral options of ManagedDatabase, shared by the CDK and CDKTF constructs. */
export interface ManagedDatabaseOptions {
  /**
   * The database engine.
   * @default DatabaseEngine.POSTGRES
   */
  readonly engine?: DatabaseEngine;
  /**
   * The engine version: a major version (`17`, `8.4`, `11.8`), which RDS
   * starts at its default minor version and keeps current through automatic
   * minor upgrades, or a full version (`17.9`, `8.4.8`, `11.8.6`).
   * @default - the major version the library is tested with: PostgreSQL 17, MySQL 8.4, MariaDB 11.8
   */
  readonly engineVersion?: string;
  /**
   * The instance class, e.g. `db.t4g.micro`, `db.m7g.large`.
   * @default - db.t4g.micro in DEVELOPMENT, db.m7g.large in PRODUCTION
   */
  readonly instanceClass?: string;
  /**
   * Storage (gp3) to start with, 20 to 65536 GiB.
   * @default 20
   */
  readonly allocatedStorageGiB?: number;
  /**
   * Storage autoscaling's ceiling, from allocatedStorageGiB to 65536 GiB.
   * @default 100 (or allocatedStorageGiB, when that is larger)
   */
  readonly maxAllocatedStorageGiB?: number;
  /**
   * The database created in the instance.
   * @default 'app'
   */
  readonly databaseName?: string;
  /**
   * The master user's name. Its password is generated and kept by RDS in
   * Secrets Manager; it never appears in a template or a state file.
   * @default 'dbadmin'
   */
  readonly masterUsername?: string;
  /**
   * The port, 1150 to 65535.
   * @default - the engine's: 5432 for PostgreSQL, 3306 for MySQL and MariaDB
   */
  readonly port?: number;
  /**
   * A standby in a second AZ, failed over to automatically.
   * @default - true in PRODUCTION, false in DEVELOPMENT
   */
  readonly multiAz?: boolean;
  /**
   * Refuse to delete the instance through the API.
   * @default - true in PRODUCTION, false in DEVELOPMENT
   */
  readonly deletionProtection?: boolean;
  /**
   * Days of automated backups (point-in-time recovery), 1 to 35.
   * @default - 14 in PRODUCTION, 1 in DEVELOPMENT
   */
  readonly backupRetentionDays?: number;
  /**
   * Enhanced Monitoring's interval in seconds: 0 (off), 1, 5, 10, 15, 30 or 60.
   * @default - 60 in PRODUCTION, 0 in DEVELOPMENT
   */
  readonly monitoringIntervalSeconds?: number;
  /**
   * The daily backup window (UTC), `hh24:mi-hh24:mi`, at least 30 minutes.
   * @default '03:00-04:00'
   */
  readonly backupWindow?: string;
  /**
   * The weekly maintenance window (UTC), `ddd:hh24:mi-ddd:hh24:mi`, at least 30 minutes.
   * @default 'sun:04:30-sun:05:30'
   */
  readonly maintenanceWindow?: string;
  /**
   * ARN of an existing KMS key for the storage, the master secret, Performance
   * Insights and the exported logs.
   * @default - a customer-managed key with rotation is created for the database
   */
  readonly kmsKeyArn?: string;
  /**
   * Cost-versus-resilience defaults.
   * @default - the network's profile
   */
  readonly profile?: EnvironmentProfile;
}

/** How a service is given a database's connection settings (`grantConnect`). */
export interface DatabaseConnectionOptions {
  /**
   * Prefix of the variables the container gets: `<prefix>_HOST`, `<prefix>_PORT`,
   * `<prefix>_NAME` and the secrets `<prefix>_USERNAME`, `<prefix>_PASSWORD`.
   * Give each database of one service its own prefix.
   * @default 'DB'
   */
  readonly environmentPrefix?: string;
}

/** @internal the run-time shape of ManagedDatabaseOptions. */
export const DATABASE_OPTIONS_SCHEMA = S.struct<ManagedDatabaseOptions>({
  engine: S.enumOf('DatabaseEngine', DatabaseEngine),
  engineVersion: S.string,
  instanceClass: S.string,
  allocatedStorageGiB: S.integer,
  maxAllocatedStorageGiB: S.integer,
  databaseName: S.string,
  masterUsername: S.string,
  port: S.integer,
  multiAz: S.boolean,
  deletionProtection: S.boolean,
  backupRetentionDays: S.integer,
  monitoringIntervalSeconds: S.integer,
  backupWindow: S.string,
  maintenanceWindow: S.string,
  kmsKeyArn: S.string,
  profile: S.enumOf('EnvironmentProfile', EnvironmentProfile),
});

/** @internal the run-time shape of DatabaseConnectionOptions. */
export const CONNECTION_OPTIONS_SCHEMA = S.struct<DatabaseConnectionOptions>({ environmentPrefix: S.string });

/** @internal what each engine needs: its versions, port, parameter family, TLS switch, logs, names. */
interface EngineFacts {
  readonly label: string;
  readonly defaultVersion: string;
  /** Major versions the library accepts (RDS's current ones), and the full-version pattern. */
  readonly majors: readonly string[];
  readonly version: RegExp;
  readonly versionExample: string;
  readonly port: number;
  /** The parameter group family of a major version. */
  readonly family: (major: string) => string;
  /** The parameters the library sets: TLS required (and what the exported logs need). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly logExports: readonly string[];
  readonly maxDatabaseNameLength: number;
  readonly maxUsernameLength: number;
  readonly reservedDatabaseNames: readonly string[];
}

const ENGINES: Readonly<Record<DatabaseEngine, EngineFacts>> = {
  [DatabaseEngine.POSTGRES]: {
    label: 'PostgreSQL',
    defaultVersion: '17',
    majors: ['13', '14', '15', '16', '17', '18'],
    version: /^(\d{2})(\.\d{1,2})?$/,
    versionExample: '"17" or "17.9"',
    port: 5432,
    family: (major) => `postgres${major}`,
    parameters: { 'rds.force_ssl': '1' },
    logExports: ['postgresql', 'upgrade'],
    maxDatabaseNameLength: 63,
    maxUsernameLength: 63,
    reservedDatabaseNames: ['postgres', 'template0', 'template1', 'rdsadmin'],
  },
  [DatabaseEngine.MYSQL]: {
    label: 'MySQL',
    defaultVersion: '8.4',
    majors: ['8.0', '8.4'],
    version: /^(8\.[04])(\.\d{1,2})?$/,
    versionExample: '"8.4" or "8.4.8"',
    port: 3306,
    family: (major) => `mysql${major}`,
    parameters: { require_secure_transport: '1', slow_query_log: '1' },
    // Every log type, as Control Tower's CT.RDS.PR.14 asks: general and audit stay empty until
    // switched on (general_log parameter; MARIADB_AUDIT_PLUGIN option group).
    logExports: ['audit', 'error', 'general', 'slowquery'],
    maxDatabaseNameLength: 64,
    maxUsernameLength: 32,
    reservedDatabaseNames: ['mysql', 'sys', 'information_schema', 'performance_schema', 'rdsadmin'],
  },
  [DatabaseEngine.MARIADB]: {
    label: 'MariaDB',
    defaultVersion: '11.8',
    majors: ['10.6', '10.11', '11.4', '11.8'],
    version: /^(10\.6|10\.11|11\.4|11\.8)(\.\d{1,2})?$/,
    versionExample: '"11.8" or "11.8.6"',
    port: 3306,
    family: (major) => `mariadb${major}`,
    parameters: { require_secure_transport: '1', slow_query_log: '1' },
    logExports: ['audit', 'error', 'general', 'slowquery'],
    maxDatabaseNameLength: 64,
    maxUsernameLength: 16,
    reservedDatabaseNames: ['mysql', 'sys', 'information_schema', 'performance_schema', 'rdsadmin'],
  },
};

/** Master user names RDS refuses or that every attacker tries first. */
const RESERVED_USERNAMES = ['admin', 'administrator', 'root', 'rdsadmin', 'rdsrepladmin', 'rds_superuser', 'rds_replication',
  'postgres', 'mysql', 'mariadb', 'master', 'sa', 'user'];

/**
 * Instance families and the sizes RDS offers in them (Graviton `g` families
 * and their x86 counterparts; burstable for small workloads).
 */
const INSTANCE_SIZES: Readonly<Record<string, readonly string[]>> = (() => {
  const burstable = ['micro', 'small', 'medium', 'large', 'xlarge', '2xlarge'];
  const graviton = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'];
  const intel = [...graviton, '24xlarge', '32xlarge'];
  return {
    t3: burstable,
    t4g: burstable,
    m6g: graviton,
    m7g: graviton,
    m8g: [...graviton, '24xlarge', '48xlarge'],
    r6g: graviton,
    r7g: graviton,
    r8g: [...graviton, '24xlarge', '48xlarge'],
    m5: intel.filter((s) => s !== '32xlarge'),
    m6i: intel,
    m7i: [...intel, '48xlarge'],
    r5: intel.filter((s) => s !== '32xlarge'),
    r6i: intel,
    r7i: [...intel, '48xlarge'],
  };
})();

/** @internal */
export const DATABASE_DEFAULTS = {
  engine: DatabaseEngine.POSTGRES,
  instanceClass: { DEVELOPMENT: 'db.t4g.micro', PRODUCTION: 'db.m7g.large' },
  allocatedStorageGiB: 20,
  maxAllocatedStorageGiB: 100,
  minStorageGiB: 20,
  maxStorageGiB: 65536,
  databaseName: 'app',
  masterUsername: 'dbadmin',
  backupRetentionDays: { DEVELOPMENT: 1, PRODUCTION: 14 },
  monitoringIntervalSeconds: { DEVELOPMENT: 0, PRODUCTION: 60 },
  monitoringIntervals: [0, 1, 5, 10, 15, 30, 60],
  backupWindow: '03:00-04:00',
  maintenanceWindow: 'sun:04:30-sun:05:30',
  /** RDS's current CA: RSA 2048, certificates valid until 2061. */
  caCertificate: 'rds-ca-rsa2048-g1',
  storageType: 'gp3',
  /** Never slide into paid RDS Extended Support when a major version's standard support ends. */
  engineLifecycleSupport: 'open-source-rds-extended-support-disabled',
  /** CloudWatch Database Insights' Standard mode (free); Performance Insights' 7 free days of history. */
  databaseInsightsMode: 'standard',
  performanceInsightsRetentionDays: 7,
  environmentPrefix: 'DB',
} as const;

/** @internal what both engines build for a ManagedDatabase. */
export interface DatabasePlan {
  readonly profile: EnvironmentProfile;
  readonly engine: DatabaseEngine;
  readonly engineVersion: string;
  readonly parameterGroupFamily: string;
  /** The parameters of the library's own parameter group (TLS required, logs). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly instanceClass: string;
  readonly allocatedStorageGiB: number;
  readonly maxAllocatedStorageGiB: number;
  readonly storageType: 'gp3';
  readonly databaseName: string;
  readonly masterUsername: string;
  readonly port: number;
  readonly multiAz: boolean;
  readonly deletionProtection: boolean;
  readonly backupRetentionDays: number;
  readonly backupWindow: string;
  readonly maintenanceWindow: string;
  /** 0: Enhanced Monitoring off (no role). */
  readonly monitoringIntervalSeconds: number;
  readonly iamAuthentication: true;
  readonly caCertificate: string;
  readonly logExports: readonly string[];
  readonly engineLifecycleSupport: string;
  readonly databaseInsightsMode: 'standard';
  /** Performance Insights' retention, or undefined where the engine and class do not support it. */
  readonly performanceInsightsRetentionDays?: number;
  readonly autoMinorVersionUpgrade: true;
  readonly copyTagsToSnapshot: true;
  readonly publiclyAccessible: false;
  /** An existing key, or undefined to create one. */
  readonly kmsKeyArn?: string;
  readonly keyDeletionWindowDays: number;
  /** PRODUCTION: snapshot when the instance is deleted, and refuse to destroy it in Terraform. */
  readonly snapshotOnDelete: boolean;
  /** Days to keep the exported logs. */
  readonly logRetentionDays: number;
}

/** @internal validate ManagedDatabase options (all problems at once) and compute the plan. */
export function planDatabase(
  options: ManagedDatabaseOptions,
  networkProfile: EnvironmentProfile,
  validation: PropsValidator | ValidationContext,
): DatabasePlan {
  const { v, o } = PropsValidator.begin(validation, DATABASE_OPTIONS_SCHEMA, options);
  const d = DATABASE_DEFAULTS;
  const profile = v.oneOf('profile', o.profile, ENVIRONMENT_PROFILES) ? o.profile! : networkProfile;
  const defaults = profileDefaults(profile);
  const engine = o.engine ?? d.engine;
  const facts = ENGINES[engine];

  const engineVersion = o.engineVersion ?? facts.defaultVersion;
  let major = facts.defaultVersion.split('.').slice(0, engine === DatabaseEngine.POSTGRES ? 1 : 2).join('.');
  if (!v.isUnresolved(engineVersion)) {
    const m = facts.version.exec(engineVersion);
    if (!m || !facts.majors.includes(m[1])) {
      const other = Object.entries(ENGINES).find(([, f]) => f.version.test(engineVersion) && f.majors.includes(f.version.exec(engineVersion)![1]));
      v.report('engineVersion', engineVersion, `expected a ${facts.label} version such as ${facts.versionExample} (majors ${facts.majors.join(', ')})`
        + (other && other[0] !== engine ? `; ${engineVersion} is a ${other[1].label} version: is engine meant to be DatabaseEngine.${other[0].toUpperCase()}?` : ''));
    } else {
      major = m[1];
    }
  }

  const instanceClass = o.instanceClass ?? d.instanceClass[profile];
  if (!v.isUnresolved(instanceClass)) {
    const m = /^db\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(instanceClass);
    const sizes = m ? INSTANCE_SIZES[m[1]] : undefined;
    if (!m || !sizes) {
      v.report('instanceClass', instanceClass, `expected an RDS instance class such as "db.t4g.micro" or "db.m7g.large" (families ${Object.keys(INSTANCE_SIZES).join(', ')})`);
    } else if (!sizes.includes(m[2])) {
      v.report('instanceClass', instanceClass, `expected a size RDS offers in the ${m[1]} family: ${sizes.join(', ')}`);
    }
  }

  const allocated = o.allocatedStorageGiB ?? d.allocatedStorageGiB;
  const allocatedOk = !v.hasProblemAt('allocatedStorageGiB') && v.integerInRange('allocatedStorageGiB', allocated, d.minStorageGiB, d.maxStorageGiB);
  const maxAllocated = o.maxAllocatedStorageGiB ?? Math.max(d.maxAllocatedStorageGiB, allocatedOk ? allocated : 0);
  if (v.integerInRange('maxAllocatedStorageGiB', maxAllocated, d.minStorageGiB, d.maxStorageGiB) && allocatedOk && maxAllocated < allocated) {
    v.report('maxAllocatedStorageGiB', maxAllocated, `expected at least allocatedStorageGiB (${allocated})`);
  }

  const databaseName = o.databaseName ?? d.databaseName;
  if (!v.isUnresolved(databaseName)) {
    const pattern = new RegExp(`^[A-Za-z][A-Za-z0-9_]{0,${facts.maxDatabaseNameLength - 1}}$`);
    if (!pattern.test(databaseName)) {
      v.report('databaseName', databaseName, `expected a ${facts.label} database name: a letter, then letters, digits and _, at most ${facts.maxDatabaseNameLength} characters`);
    } else if (facts.reservedDatabaseNames.includes(databaseName.toLowerCase())) {
      v.report('databaseName', databaseName, `expected a name ${facts.label} does not reserve (${facts.reservedDatabaseNames.join(', ')})`);
    }
  }
  const masterUsername = o.masterUsername ?? d.masterUsername;
  if (!v.isUnresolved(masterUsername)) {
    const pattern = new RegExp(`^[A-Za-z][A-Za-z0-9_]{0,${facts.maxUsernameLength - 1}}$`);
    if (!pattern.test(masterUsername)) {
      v.report('masterUsername', masterUsername, `expected a ${facts.label} user name: a letter, then letters, digits and _, at most ${facts.maxUsernameLength} characters`);
    } else if (RESERVED_USERNAMES.includes(masterUsername.toLowerCase())) {
      v.report('masterUsername', masterUsername, `expected a name that is neither reserved by RDS nor a well-known default (not ${RESERVED_USERNAMES.join(', ')})`);
    }
  }

  const port = o.port ?? facts.port;
  v.integerInRange('port', port, 1150, 65535);
  const backupRetentionDays = o.backupRetentionDays ?? d.backupRetentionDays[profile];
  v.integerInRange('backupRetentionDays', backupRetentionDays, 1, 35);
  const monitoringIntervalSeconds = o.monitoringIntervalSeconds ?? d.monitoringIntervalSeconds[profile];
  v.oneOf('monitoringIntervalSeconds', monitoringIntervalSeconds, d.monitoringIntervals);

  const backupWindow = o.backupWindow ?? d.backupWindow;
  const maintenanceWindow = o.maintenanceWindow ?? d.maintenanceWindow;
  if (!v.isUnresolved(backupWindow) && windowMinutes(backupWindow, false) === undefined) {
    v.report('backupWindow', backupWindow, 'expected a daily UTC window of at least 30 minutes, "hh24:mi-hh24:mi", e.g. "03:00-04:00"');
  }
  if (!v.isUnresolved(maintenanceWindow) && windowMinutes(maintenanceWindow, true) === undefined) {
    v.report('maintenanceWindow', maintenanceWindow, 'expected a weekly UTC window of at least 30 minutes, "ddd:hh24:mi-ddd:hh24:mi", e.g. "sun:04:30-sun:05:30"');
  }
  if (o.kmsKeyArn !== undefined && !v.isUnresolved(o.kmsKeyArn)) {
    v.require(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/.test(o.kmsKeyArn), 'kmsKeyArn', o.kmsKeyArn,
      'expected a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-..." (not an alias)');
  }
  v.throwIfInvalid();

  // Performance Insights is not offered on MySQL and MariaDB micro and small instances.
  const piUnsupported = engine !== DatabaseEngine.POSTGRES && /\.(micro|small)$/.test(instanceClass);
  const production = profile === EnvironmentProfile.PRODUCTION;
  return {
    profile,
    engine,
    engineVersion,
    parameterGroupFamily: facts.family(major),
    parameters: { ...facts.parameters },
    instanceClass,
    allocatedStorageGiB: allocated,
    maxAllocatedStorageGiB: maxAllocated,
    storageType: d.storageType,
    databaseName,
    masterUsername,
    port,
    multiAz: o.multiAz ?? production,
    deletionProtection: o.deletionProtection ?? production,
    backupRetentionDays,
    backupWindow,
    maintenanceWindow,
    monitoringIntervalSeconds,
    iamAuthentication: true,
    caCertificate: d.caCertificate,
    logExports: [...facts.logExports],
    engineLifecycleSupport: d.engineLifecycleSupport,
    databaseInsightsMode: d.databaseInsightsMode,
    performanceInsightsRetentionDays: piUnsupported ? undefined : d.performanceInsightsRetentionDays,
    autoMinorVersionUpgrade: true,
    copyTagsToSnapshot: true,
    publiclyAccessible: false,
    kmsKeyArn: o.kmsKeyArn,
    keyDeletionWindowDays: defaults.keyDeletionWindowDays,
    snapshotOnDelete: defaults.retainOnDelete,
    logRetentionDays: defaults.auditLogRetentionDays,
  };
}

/** Minutes a maintenance (weekly) or backup (daily) window lasts, or undefined when malformed or under 30. */
function windowMinutes(window: string, weekly: boolean): number | undefined {
  const day = '(mon|tue|wed|thu|fri|sat|sun):';
  const time = '([01]\\d|2[0-3]):([0-5]\\d)';
  const m = new RegExp(`^${weekly ? day : ''}${time}-${weekly ? day : ''}${time}$`).exec(window);
  if (!m) return undefined;
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const at = (dayName: string | undefined, h: string, min: string) => (dayName ? days.indexOf(dayName) * 1440 : 0) + Number(h) * 60 + Number(min);
  const [start, end] = weekly ? [at(m[1], m[2], m[3]), at(m[4], m[5], m[6])] : [at(undefined, m[1], m[2]), at(undefined, m[3], m[4])];
  const span = (weekly ? 7 * 1440 : 1440);
  const minutes = (end - start + span) % span;
  return minutes >= 30 ? minutes : undefined;
}

/** @internal the variables a service gets from grantConnect. */
export interface ConnectionPlan {
  readonly host: string;
  readonly port: string;
  readonly name: string;
  readonly username: string;
  readonly password: string;
}

/** @internal check grantConnect's options and name the variables. */
export function planConnection(options: DatabaseConnectionOptions | undefined, validation: PropsValidator | ValidationContext): ConnectionPlan {
  const { v, o } = PropsValidator.begin(validation, CONNECTION_OPTIONS_SCHEMA, options ?? {});
  const prefix = o.environmentPrefix ?? DATABASE_DEFAULTS.environmentPrefix;
  v.require(/^[A-Za-z_][A-Za-z0-9_]{0,50}$/.test(prefix), 'environmentPrefix', prefix,
    'expected a variable-name prefix: letters, digits and _ (not starting with a digit), e.g. "ORDERS_DB"');
  v.throwIfInvalid();
  return { host: `${prefix}_HOST`, port: `${prefix}_PORT`, name: `${prefix}_NAME`, username: `${prefix}_USERNAME`, password: `${prefix}_PASSWORD` };
}

/**
 * @internal
 * Enhanced Monitoring's role policy: what AWS's AmazonRDSEnhancedMonitoringRole
 * managed policy grants, written inline (the RDSOSMetrics log group only).
 */
export function enhancedMonitoringStatements(partition: string): PolicyStatementJson[] {
  return [
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'],
      Resource: `arn:${partition}:logs:*:*:log-group:RDS*`,
    },
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:GetLogEvents'],
      Resource: `arn:${partition}:logs:*:*:log-group:RDS*:log-stream:*`,
    },
  ];
}

/**
 * @internal
 * The DB instance identifier for the deployment path: lowercase letters,
 * digits and single hyphens, starting with a letter, at most 63 characters
 * (a long path keeps its tail and a hash). Fixed, because the exported-log
 * log groups are named after it and must exist before the instance.
 */
export function databaseIdentifier(deploymentPath: string): string {
  const cleaned = deploymentPath.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const name = /^[a-z]/.test(cleaned) ? cleaned : `db-${cleaned}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(deploymentPath).digest('hex').slice(0, 8);
  return `db-${name.slice(name.length - 50).replace(/^-+/, '')}-${hash}`;
}

/** @internal the log group RDS exports `logType` of instance `identifier` to. */
export function databaseLogGroupName(identifier: string, logType: string): string {
  return `/aws/rds/instance/${identifier}/${logType}`;
}

/** @internal what grantConnect needs of a service: FargateWebService's after-construction additions. */
export interface ConnectableService {
  addEnvironment(name: string, value: string): void;
  addSecret(name: string, secret: ContainerSecret): void;
}

/**
 * @internal
 * Hand a service a database's connection settings: host, port and name as
 * variables, the master user's name and password as secrets from the
 * RDS-managed secret (decrypted with the database's key).
 */
export function connectService(service: ConnectableService, names: ConnectionPlan,
  database: { endpointAddress: string; port: number; databaseName: string; secretArn: string; encryptionKeyArn: string }): void {
  service.addEnvironment(names.host, database.endpointAddress);
  service.addEnvironment(names.port, String(database.port));
  service.addEnvironment(names.name, database.databaseName);
  for (const [variable, jsonKey] of [[names.username, 'username'], [names.password, 'password']]) {
    service.addSecret(variable, { secretsManagerArn: database.secretArn, jsonKey, kmsKeyArn: database.encryptionKeyArn });
  }
}
