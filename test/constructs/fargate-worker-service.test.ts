import { EnvironmentProfile } from '../../src/constructs';
import { planWebService } from '../../src/constructs/fargate-web-service';
import { FargateWorkerServiceOptions, planWorkerService } from '../../src/constructs/fargate-worker-service';
import { PropsValidationError, ValidationContext } from '../../src/constructs/validation';
import { NGINX } from '../helpers/images';

const context: ValidationContext = { construct: 'FargateWorkerService', path: 'Stack/Worker', isUnresolved: (v) => typeof v === 'string' && v.startsWith('${Token[') };
const plan = (o: Partial<FargateWorkerServiceOptions>, profile = EnvironmentProfile.DEVELOPMENT) =>
  planWorkerService({ image: NGINX, ...o }, profile, context);

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    if (e instanceof PropsValidationError) return e.problems.map((p) => p.prop).sort();
    throw e;
  }
  throw new Error('expected a PropsValidationError');
}

test('GIVEN only an image THEN the web service\'s task defaults, no load balancer, and the alarms a worker can have', () => {
  const p = plan({});
  expect(p).toMatchObject({
    cpu: 256,
    memoryMiB: 512,
    desiredCount: 2,
    logRetentionDays: 30,
    retainOnDelete: false,
    enableExecuteCommand: true,
    deployment: { minimumHealthyPercent: 100, maximumPercent: 200, circuitBreakerRollback: true },
    capacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: 1, weight: 0 }, { capacityProvider: 'FARGATE_SPOT', base: 0, weight: 1 }],
  });
  for (const webOnly of ['containerPort', 'targetProtocol', 'routing', 'loadBalancerOptions', 'deregistrationDelaySeconds', 'healthCheck']) {
    expect([webOnly, webOnly in p]).toEqual([webOnly, false]);
  }
  expect(p.alarms.map((a) => [a.key, a.threshold, a.deploymentAlarm])).toEqual([['Cpu', 80, false], ['Memory', 80, false], ['ErrorLogs', 10, false]]);
  expect(p.containerHealthCheck).toBeUndefined();
});

test('the task is planned exactly as a web service\'s with the same options (one planner, not a copy)', () => {
  const options = {
    image: NGINX,
    cpu: 1024,
    memoryMiB: 4096,
    command: ['node', 'worker.js'],
    environment: { QUEUE: 'jobs' },
    secrets: { TOKEN: { secretsManagerArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:token-AbCdEf' } },
    autoScaling: { minCapacity: 1, maxCapacity: 4, cpuTargetPercent: 60 },
    profile: EnvironmentProfile.PRODUCTION,
    stopTimeoutSeconds: 90,
  };
  const worker = planWorkerService(options, EnvironmentProfile.DEVELOPMENT, context);
  const web = planWebService(options, EnvironmentProfile.DEVELOPMENT, { shared: false, takenPriorities: [] }, context);
  for (const key of ['cpu', 'memoryMiB', 'command', 'environment', 'secrets', 'secretGrants', 'autoScaling', 'desiredCount', 'capacityProviderStrategy',
    'logRetentionDays', 'retainOnDelete', 'stopTimeoutSeconds', 'deployment', 'errorLogPattern'] as const) {
    expect([key, worker[key]]).toEqual([key, web[key]]);
  }
});

test('a container health check: ECS form, the worker\'s interval, timeout and retries, a 60 s start period', () => {
  expect(plan({ healthCheck: { command: ['test -f /tmp/alive'], intervalSeconds: 20, timeoutSeconds: 4, unhealthyThreshold: 5 } }).containerHealthCheck)
    .toEqual({ command: ['CMD-SHELL', 'test -f /tmp/alive'], intervalSeconds: 20, timeoutSeconds: 4, retries: 5, startPeriodSeconds: 60 });
});

test('alarm thresholds are a worker\'s own; web-only options are unknown props; every problem at once', () => {
  expect(plan({ alarms: { cpuPercent: 90, errorLogCount: 0, evaluationPeriods: 3 } }).alarms.map((a) => [a.key, a.threshold, a.evaluationPeriods]))
    .toEqual([['Cpu', 90, 3], ['Memory', 80, 3], ['ErrorLogs', 0, 3]]);
  expect(problems(() => plan({
    cpu: 300,
    healthCheck: { command: [], timeoutSeconds: 90 },
    alarms: { http5xxCount: 1 } as never,
    routing: { priority: 1 },
    containerPort: 80,
  } as never))).toEqual(['alarms.http5xxCount', 'containerPort', 'cpu', 'healthCheck.command', 'healthCheck.timeoutSeconds', 'healthCheck.timeoutSeconds', 'routing']);
  expect(problems(() => plan({ healthCheck: { intervalSeconds: 10 } as never }))).toEqual(['healthCheck.command']);
});
