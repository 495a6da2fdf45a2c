import { databaseIdentifier, planConnection, planDatabase } from '../../src/constructs/managed-database';
import { validationContext } from '../../src/constructs/validation';
import { DatabaseEngine, EnvironmentProfile, ManagedDatabaseOptions } from 'ecs-platform-constructs';

const context = validationContext('ManagedDatabase', 'Stack', 'Db', () => false);
const plan = (o: ManagedDatabaseOptions = {}, profile = EnvironmentProfile.DEVELOPMENT) => planDatabase(o, profile, context);

describe('database plan: defaults by profile and engine', () => {
  test('DEVELOPMENT PostgreSQL: a micro Graviton instance, single AZ, one day of backups, no Enhanced Monitoring, deleted with the stack', () => {
    expect(plan()).toMatchObject({
      engine: 'postgres',
      engineVersion: '17',
      parameterGroupFamily: 'postgres17',
      parameters: { 'rds.force_ssl': '1' },
      instanceClass: 'db.t4g.micro',
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 100,
      storageType: 'gp3',
      databaseName: 'app',
      masterUsername: 'dbadmin',
      port: 5432,
      multiAz: false,
      deletionProtection: false,
      backupRetentionDays: 1,
      monitoringIntervalSeconds: 0,
      snapshotOnDelete: false,
      iamAuthentication: true,
      caCertificate: 'rds-ca-rsa2048-g1',
      logExports: ['postgresql', 'upgrade'],
      engineLifecycleSupport: 'open-source-rds-extended-support-disabled',
      databaseInsightsMode: 'standard',
      performanceInsightsRetentionDays: 7,
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      backupWindow: '03:00-04:00',
      maintenanceWindow: 'sun:04:30-sun:05:30',
    });
  });

  test('PRODUCTION: db.m7g.large, multi-AZ, deletion protection, 14 days of backups, Enhanced Monitoring every 60 s, a snapshot on delete', () => {
    expect(plan({}, EnvironmentProfile.PRODUCTION)).toMatchObject({
      instanceClass: 'db.m7g.large', multiAz: true, deletionProtection: true, backupRetentionDays: 14, monitoringIntervalSeconds: 60, snapshotOnDelete: true, logRetentionDays: 365,
    });
  });

  test.each([
    [DatabaseEngine.MYSQL, '8.4', 'mysql8.4', 3306, { require_secure_transport: '1', slow_query_log: '1' }, ['audit', 'error', 'general', 'slowquery']],
    [DatabaseEngine.MARIADB, '11.8', 'mariadb11.8', 3306, { require_secure_transport: '1', slow_query_log: '1' }, ['audit', 'error', 'general', 'slowquery']],
  ])('%s: version %s, family %s, port %d, TLS required, its own logs', (engine, version, family, port, parameters, logs) => {
    expect(plan({ engine })).toMatchObject({ engineVersion: version, parameterGroupFamily: family, port, parameters, logExports: logs });
  });

  test('Performance Insights is left off where RDS does not offer it (MySQL and MariaDB on micro and small), on elsewhere', () => {
    expect(plan({ engine: DatabaseEngine.MYSQL }).performanceInsightsRetentionDays).toBeUndefined();
    expect(plan({ engine: DatabaseEngine.MARIADB, instanceClass: 'db.t4g.medium' }).performanceInsightsRetentionDays).toBe(7);
  });

  test('a full version picks the family of its major; every default can be overridden', () => {
    expect(plan({ engine: DatabaseEngine.MYSQL, engineVersion: '8.0.42' }).parameterGroupFamily).toBe('mysql8.0');
    expect(plan({ multiAz: true, deletionProtection: true, backupRetentionDays: 7, monitoringIntervalSeconds: 30, port: 6543 }))
      .toMatchObject({ multiAz: true, deletionProtection: true, backupRetentionDays: 7, monitoringIntervalSeconds: 30, port: 6543 });
    expect(plan({ allocatedStorageGiB: 500 }).maxAllocatedStorageGiB).toBe(500);
  });
});

describe('database plan: validation', () => {
  test.each<[string, ManagedDatabaseOptions, RegExp]>([
    ['a version of another engine', { engine: DatabaseEngine.MYSQL, engineVersion: '17.9' },
      /engineVersion: got "17.9"; expected a MySQL version such as "8.4" or "8.4.8".*17.9 is a PostgreSQL version: is engine meant to be DatabaseEngine.POSTGRES\?/],
    ['an unknown version format', { engineVersion: 'latest' }, /engineVersion: got "latest"; expected a PostgreSQL version/],
    ['a retired major', { engineVersion: '11.22' }, /engineVersion: got "11.22"/],
    ['a class outside RDS\'s families', { instanceClass: 'm7g.large' }, /instanceClass: got "m7g.large"; expected an RDS instance class/],
    ['a size the family does not offer', { instanceClass: 'db.m7g.micro' }, /instanceClass: got "db.m7g.micro"; expected a size RDS offers in the m7g family/],
    ['storage below 20 GiB', { allocatedStorageGiB: 10 }, /allocatedStorageGiB: got 10; expected an integer from 20 to 65536/],
    ['a ceiling below the storage', { allocatedStorageGiB: 200, maxAllocatedStorageGiB: 100 }, /maxAllocatedStorageGiB: got 100; expected at least allocatedStorageGiB \(200\)/],
    ['a database name with a dash', { databaseName: 'my-app' }, /databaseName: got "my-app"; expected a PostgreSQL database name/],
    ['a reserved database name', { databaseName: 'postgres' }, /databaseName: got "postgres"; expected a name PostgreSQL does not reserve/],
    ['a reserved user name', { masterUsername: 'admin' }, /masterUsername: got "admin"; expected a name that is neither reserved by RDS nor a well-known default/],
    ['a MariaDB user name over 16 characters', { engine: DatabaseEngine.MARIADB, masterUsername: 'a_very_long_user_name' }, /masterUsername: .*at most 16 characters/],
    ['a port below 1150', { port: 80 }, /port: got 80; expected an integer from 1150 to 65535/],
    ['backups of 0 days', { backupRetentionDays: 0 }, /backupRetentionDays: got 0; expected an integer from 1 to 35/],
    ['a monitoring interval RDS does not offer', { monitoringIntervalSeconds: 20 }, /monitoringIntervalSeconds: got 20; expected one of 0, 1, 5, 10, 15, 30, 60/],
    ['a maintenance window without days', { maintenanceWindow: '04:30-05:30' }, /maintenanceWindow: got "04:30-05:30"; expected a weekly UTC window/],
    ['a backup window under 30 minutes', { backupWindow: '03:00-03:15' }, /backupWindow: got "03:00-03:15"; expected a daily UTC window of at least 30 minutes/],
    ['a key alias', { kmsKeyArn: 'alias/db' }, /kmsKeyArn: got "alias\/db"; expected a KMS key ARN/],
  ])('%s', (_name, options, message) => {
    expect(() => plan(options)).toThrow(message);
  });

  test('every problem at once', () => {
    expect(() => plan({ instanceClass: 'db.t4g.nano', databaseName: '1app', port: 1 })).toThrow(/\(3 problems\)/);
  });

  test('grantConnect names: DB_* by default, the prefix given otherwise, which must be a variable name', () => {
    expect(planConnection(undefined, context)).toEqual({ host: 'DB_HOST', port: 'DB_PORT', name: 'DB_NAME', username: 'DB_USERNAME', password: 'DB_PASSWORD' });
    expect(planConnection({ environmentPrefix: 'ORDERS_DB' }, context).password).toBe('ORDERS_DB_PASSWORD');
    expect(() => planConnection({ environmentPrefix: 'orders-db' }, context)).toThrow(/environmentPrefix: got "orders-db"/);
  });
});

test('the instance identifier: lowercase, hyphens, starts with a letter, at most 63 characters and unique per path', () => {
  expect(databaseIdentifier('data-dev/Main/Db')).toBe('data-dev-main-db');
  expect(databaseIdentifier('1st/Db')).toBe('db-1st-db');
  const long = databaseIdentifier(`${'VeryLongStackName'.repeat(5)}/Db`);
  expect(long.length).toBeLessThanOrEqual(63);
  expect(long).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
  expect(long).not.toMatch(/--/);
  expect(databaseIdentifier(`${'VeryLongStackName'.repeat(5)}/Other`)).not.toBe(long);
});
