import { EnvironmentProfile } from '../../src/constructs';
import { executionRoleStatements, FargateWebServiceOptions, FARGATE_MEMORY_BY_CPU, planWebService } from '../../src/constructs/fargate-web-service';
import { ValidationContext } from '../../src/constructs/validation';
import { NGINX } from '../helpers/images';

const context: ValidationContext = {
  construct: 'FargateWebService',
  path: 'Stack/Web',
  isUnresolved: (v) => typeof v === 'string' && v.startsWith('${Token['),
};
const OWN = { shared: false, takenPriorities: [] as number[] };
const SHARED = { shared: true, takenPriorities: [5] };
const IMAGE = NGINX;
const plan = (o: FargateWebServiceOptions, lb = OWN, profile = EnvironmentProfile.DEVELOPMENT) =>
  planWebService({ image: IMAGE, ...o }, profile, lb, context);

describe('web service plan: defaults', () => {
  test('GIVEN only an image THEN the documented defaults', () => {
    const p = plan({});
    expect(p).toMatchObject({
      containerPort: 8080,
      cpu: 256,
      memoryMiB: 512,
      desiredCount: 2,
      healthCheck: { path: '/', intervalSeconds: 30, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3, healthyHttpCodes: '200-399' },
      deployment: { minimumHealthyPercent: 100, maximumPercent: 200, circuitBreakerRollback: true },
      enableExecuteCommand: true,
      logRetentionDays: 30,
      retainOnDelete: false,
    });
    expect(p.autoScaling).toBeUndefined();
    expect(p.routing).toBeUndefined();
    expect(p.alarms.map((a) => [a.key, a.threshold, a.evaluationPeriods, a.deploymentAlarm])).toEqual([
      ['Cpu', 80, 2, false], ['Memory', 80, 2, false], ['Http5xx', 10, 2, true], ['UnhealthyHosts', 0, 2, true], ['ErrorLogs', 10, 2, false],
    ]);
  });

  test('spot by profile: one FARGATE base task, the rest on FARGATE_SPOT in DEVELOPMENT; FARGATE only in PRODUCTION', () => {
    expect(plan({}).capacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE', base: 1, weight: 0 }, { capacityProvider: 'FARGATE_SPOT', base: 0, weight: 1 },
    ]);
    expect(plan({}, OWN, EnvironmentProfile.PRODUCTION).capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE', base: 0, weight: 1 }]);
    expect(plan({ spot: false }).capacityProviderStrategy).toHaveLength(1);
    expect(plan({ spot: true }, OWN, EnvironmentProfile.PRODUCTION).capacityProviderStrategy).toHaveLength(2);
  });

  test('autoscaling bounds default from desiredCount', () => {
    expect(plan({ desiredCount: 3, autoScaling: {} }).autoScaling)
      .toEqual({ minCapacity: 3, maxCapacity: 6, cpuTargetPercent: 70, memoryTargetPercent: undefined });
  });

  test('with autoscaling the count is the scaler\'s: no fixed desiredCount is planned', () => {
    expect(plan({ desiredCount: 3 }).desiredCount).toBe(3);
    expect(plan({ desiredCount: 3, autoScaling: { maxCapacity: 9 } }).desiredCount).toBeUndefined();
  });

  test('a command overrides the image\'s CMD', () => {
    expect(plan({ command: ['node', 'server.js'] }).command).toEqual(['node', 'server.js']);
    expect(plan({}).command).toBeUndefined();
  });

  test('a listener rule at the ALB limits is accepted: 3 per condition, 5 values, 5 wildcards', () => {
    const routing = { priority: 1, pathPatterns: ['/a/*', '/b/*', '/c/*'], hostHeaders: ['*.example.com', 'api.example.com'] };
    expect(plan({ routing }, SHARED).routing).toEqual(routing);
  });

  test('secrets keep their kind and JSON key', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf';
    const param = 'arn:aws:ssm:eu-west-1:111122223333:parameter/app/key';
    expect(plan({ secrets: { DB_PASSWORD: { secretsManagerArn: arn, jsonKey: 'password' }, API_KEY: { ssmParameterArn: param } } }).secrets).toEqual([
      { name: 'DB_PASSWORD', arn, policyArn: arn, kind: 'secretsmanager', jsonKey: 'password', kmsKeyArn: undefined },
      { name: 'API_KEY', arn: param, policyArn: param, kind: 'ssm', kmsKeyArn: undefined },
    ]);
  });

  test('every Fargate CPU size offers memory, and the tables are what AWS documents', () => {
    expect(FARGATE_MEMORY_BY_CPU[256]).toEqual([512, 1024, 2048]);
    expect(FARGATE_MEMORY_BY_CPU[1024][0]).toBe(2048);
    expect(FARGATE_MEMORY_BY_CPU[4096][FARGATE_MEMORY_BY_CPU[4096].length - 1]).toBe(30720);
    expect(FARGATE_MEMORY_BY_CPU[16384]).toContain(122880);
  });
});

describe('web service plan: validation', () => {
  test.each<[string, FargateWebServiceOptions, RegExp, typeof OWN]>([
    ['cpu/memory Fargate does not offer (valid memory listed)', { cpu: 512, memoryMiB: 512 },
      /memoryMiB: got 512; expected a memory size Fargate offers for cpu 512: 1024, 2048, 3072, 4096/, OWN],
    ['a large cpu lists its memory range', { cpu: 4096, memoryMiB: 4096 },
      /memoryMiB: got 4096; expected a memory size Fargate offers for cpu 4096: 8192 to 30720 in steps of 1024/, OWN],
    ['unknown cpu', { cpu: 300 }, /cpu: got 300; expected one of 256, 512, 1024/, OWN],
    ['desiredCount out of range', { desiredCount: -1 }, /desiredCount: got -1; expected an integer from 0 to 1000/, OWN],
    ['capacity out of range', { autoScaling: { minCapacity: 0, maxCapacity: 2000 } }, /autoScaling.minCapacity: got 0.*\n.*autoScaling.maxCapacity: got 2000/, OWN],
    ['minCapacity above maxCapacity', { autoScaling: { minCapacity: 5, maxCapacity: 2 } }, /autoScaling.maxCapacity: got 2; expected at least autoScaling.minCapacity \(5\)/, OWN],
    ['health-check path without /', { healthCheck: { path: 'health' } }, /healthCheck.path: got "health"; expected a path starting with "\/"/, OWN],
    ['timeout not below interval', { healthCheck: { intervalSeconds: 10, timeoutSeconds: 10 } }, /healthCheck.timeoutSeconds: got 10; expected less than healthCheck.intervalSeconds \(10\)/, OWN],
    ['port outside 1-65535', { containerPort: 70000 }, /containerPort: got 70000; expected an integer from 1 to 65535/, OWN],
    ['more than five values in one listener rule', { routing: { priority: 1, pathPatterns: ['/a', '/b', '/c'], hostHeaders: ['a.example.com', 'b.example.com', 'c.example.com'] } },
      /routing: .*expected at most 5 path patterns and host headers together \(the ALB's limit of values per rule\); got 6/, SHARED],
    ['more than three path patterns (the ALB limit per condition)', { routing: { priority: 1, pathPatterns: ['/a', '/b', '/c', '/d'] } },
      /routing.pathPatterns: got \["\/a","\/b","\/c","\/d"\]; expected at most 3 path patterns/, SHARED],
    ['more than three host headers (the ALB limit per condition)', { routing: { priority: 1, hostHeaders: ['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com'] } },
      /routing.hostHeaders: got .*; expected at most 3 host headers/, SHARED],
    ['more than five wildcards in one rule', { routing: { priority: 1, pathPatterns: ['/a/*/*/*', '/b/*/*/*'] } },
      /routing: .*expected at most 5 wildcards .*; got 6/, SHARED],
    ['a host header the ALB refuses (no dot)', { routing: { priority: 1, hostHeaders: ['localhost'] } },
      /routing.hostHeaders\[0\]: got "localhost"; expected a host name/, SHARED],
    ['a customer key given by alias', { secrets: { X: { secretsManagerArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:x-AbCdEf', kmsKeyArn: 'alias/app' } } },
      /secrets.X.kmsKeyArn: got "alias\/app"; expected a KMS key ARN/, OWN],
    ['an empty command', { command: [] }, /command: got \[\]; expected a non-empty list of non-empty strings/, OWN],
    ['a priority used twice on one listener', { routing: { priority: 5, pathPatterns: ['/api/*'] } }, /routing.priority: got 5; expected a priority not already used/, SHARED],
    ['routing without a shared load balancer', { routing: { priority: 1, pathPatterns: ['/api/*'] } }, /routing: .*expected a shared loadBalancer/, OWN],
    ['a shared load balancer without routing', {}, /routing: got undefined; expected routing/, SHARED],
    ['no image', { image: '' }, /image: got ""; expected an image reference of at most 255/, OWN],
    ['a secret with both sources', { secrets: { X: { secretsManagerArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:x', ssmParameterArn: 'arn:aws:ssm:eu-west-1:111122223333:parameter/x' } } }, /secrets.X: .*exactly one of/, OWN],
    ['a malformed secret ARN', { secrets: { X: { secretsManagerArn: 'my-secret' } } }, /secrets.X.secretsManagerArn: got "my-secret"/, OWN],
    ['bad log retention', { logRetentionDays: 45 }, /logRetentionDays: got 45/, OWN],
  ])('%s', (_name, options, message, lb) => {
    // Every row has all four columns: jest reads a short row as a `done`-callback test.
    expect(() => plan(options, lb)).toThrow(message);
  });

  test('every problem at once, naming the construct path', () => {
    expect(() => plan({ cpu: 512, memoryMiB: 512, containerPort: 0, healthCheck: { path: 'x' } }))
      .toThrow(/^Invalid props for FargateWebService at 'Stack\/Web' \(3 problems\)/);
  });
});

describe('web service plan: secret grants', () => {
  test('a Secrets Manager ARN without its random suffix is widened to match the real secret; SSM ARNs are exact', () => {
    const grants = plan({
      secrets: {
        FULL: { secretsManagerArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf' },
        PARTIAL: { secretsManagerArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db', jsonKey: 'password' },
        PARAM: { ssmParameterArn: 'arn:aws:ssm:eu-west-1:111122223333:parameter/app/key' },
      },
    }).secretGrants;
    expect(grants).toEqual([
      {
        action: 'secretsmanager:GetSecretValue',
        resources: [
          'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf',
          'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-??????',
        ],
      },
      { action: 'ssm:GetParameters', resources: ['arn:aws:ssm:eu-west-1:111122223333:parameter/app/key'] },
    ]);
  });

  test('no secrets, no grants', () => {
    expect(plan({}).secretGrants).toEqual([]);
    expect(plan({}).secretKeyGrants).toEqual([]);
  });

  test('a customer-managed key is decrypted only through the services whose secrets use it', () => {
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/1111-2222';
    const other = 'arn:aws:kms:eu-west-1:111122223333:key/3333-4444';
    const p = plan({
      secrets: {
        A: { secretsManagerArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:a-AbCdEf', kmsKeyArn: key },
        B: { ssmParameterArn: 'arn:aws:ssm:eu-west-1:111122223333:parameter/b', kmsKeyArn: key },
        C: { ssmParameterArn: 'arn:aws:ssm:eu-west-1:111122223333:parameter/c', kmsKeyArn: other },
        D: { ssmParameterArn: 'arn:aws:ssm:eu-west-1:111122223333:parameter/d' },
      },
    });
    expect(p.secretKeyGrants).toEqual([{ keyArn: key, viaServices: ['secretsmanager', 'ssm'] }, { keyArn: other, viaServices: ['ssm'] }]);
    const env = { partition: 'aws-cn', region: 'cn-north-1', accountId: '111122223333', urlSuffix: 'amazonaws.com.cn' };
    expect(executionRoleStatements(p, 'LOG:*', env).filter((s) => s.Action === 'kms:Decrypt')).toEqual([
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: key,
        Condition: { StringEquals: { 'kms:ViaService': ['secretsmanager.cn-north-1.amazonaws.com.cn', 'ssm.cn-north-1.amazonaws.com.cn'] } },
      },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: other, Condition: { StringEquals: { 'kms:ViaService': ['ssm.cn-north-1.amazonaws.com.cn'] } } },
    ]);
  });

  test('a container health check cannot wait more than 60 seconds', () => {
    expect(() => plan({ healthCheck: { command: ['CMD', 'true'], intervalSeconds: 120, timeoutSeconds: 90 } }))
      .toThrow(/healthCheck.timeoutSeconds: got 90; expected at most 60 with a container health check command/);
  });
});

describe('web service plan: what both engines render alike', () => {
  test('a container health check command is put in ECS form once, for both engines', () => {
    const check = (command: string[]) => plan({ healthCheck: { command } }).containerHealthCheck?.command;
    expect(check(['curl -f http://localhost/ || exit 1'])).toEqual(['CMD-SHELL', 'curl -f http://localhost/ || exit 1']);
    expect(check(['/bin/check', '--quick'])).toEqual(['CMD', '/bin/check', '--quick']);
    expect(check(['CMD-SHELL', 'true'])).toEqual(['CMD-SHELL', 'true']);
    expect(plan({ healthCheck: { command: ['CMD', 'true'], intervalSeconds: 20, timeoutSeconds: 3, unhealthyThreshold: 4 } }).containerHealthCheck)
      .toEqual({ command: ['CMD', 'true'], intervalSeconds: 20, timeoutSeconds: 3, retries: 4, startPeriodSeconds: 60 });
    expect(plan({}).containerHealthCheck).toBeUndefined();
  });

  test('grace period, draining and the log stream prefix are planned, not chosen per engine', () => {
    expect(plan({})).toMatchObject({ healthCheckGracePeriodSeconds: 60, deregistrationDelaySeconds: 30, logStreamPrefix: 'web' });
  });
});
