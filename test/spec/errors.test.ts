/**
 * Every problem of a spec comes with the file, line and column that caused it, and all of them come at
 * once: the YAML's (syntax, duplicate keys), the schema's (types, unknown keys, enums, names), the
 * references' and, when the spec is built, the constructs' own checks, mapped back to the YAML key that
 * set the prop, alike in both engines.
 */
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Testing } from 'cdktf';
import { PropsValidationError } from '../../src/constructs/validation';
import { buildSpec, PlatformFactory } from '../../src/spec/build';
import type { SpecProblem, SpecSource } from '../../src/spec/load';
import { PlatformSpecError } from '../../src/spec/platform-spec';
import { PlatformSpec } from 'ecs-platform-constructs';
import * as cdk from 'ecs-platform-constructs/cdk';
import * as cdktf from 'ecs-platform-constructs/cdktf';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'gitops-platform');

const PLATFORM = `platform:
  name: demo
  region: eu-west-1
`;

/** The PlatformSpecError loading `sources` throws. */
function errorOf(sources: SpecSource[] | string): PlatformSpecError {
  const layers = typeof sources === 'string' ? [{ file: 'platform.yaml', content: sources }] : sources;
  try {
    PlatformSpec.fromSources(layers);
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformSpecError);
    return error as PlatformSpecError;
  }
  throw new Error('expected the spec to be refused');
}

const problemsOf = (sources: SpecSource[] | string): SpecProblem[] => [...errorOf(sources).problems];

/** Problems in file, line, column order (the order they are found in is the checker's). */
const sorted = (problems: readonly SpecProblem[]) => [...problems]
  .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));

describe('schema problems: exact file, line and column', () => {
  test('a wrong type, at the value: cpu: "256"', () => {
    expect(problemsOf(`${PLATFORM}services:\n  api:\n    image: nginx\n    cpu: "256"\n`)).toEqual([
      { file: 'platform.yaml', line: 7, column: 10, path: 'services.api.cpu', message: 'expected an integer; got "256"' },
    ]);
  });

  test('an unknown key, at the key, with the nearest known one: memroy -> memory', () => {
    expect(problemsOf(`${PLATFORM}services:\n  api:\n    image: nginx\n    memroy: 512\n`)).toEqual([
      { file: 'platform.yaml', line: 7, column: 5, path: 'services.api.memroy', message: 'unknown key; did you mean memory?' },
    ]);
    expect(problemsOf(`${PLATFORM}services:\n  api:\n    healthCheck:\n      intervall: 10\n`)).toEqual([
      { file: 'platform.yaml', line: 7, column: 7, path: 'services.api.healthCheck.intervall', message: 'unknown key; did you mean interval?' },
    ]);
  });

  test('a key of the seed (ECSO) format says what this spec calls it: dynamodb -> tables', () => {
    expect(problemsOf(`${PLATFORM}dynamodb:\n  sessions:\n    hashKey: pk\n`)).toEqual([
      { file: 'platform.yaml', line: 4, column: 1, path: 'dynamodb', message: 'unknown key; DynamoDB tables are the `tables` section' },
    ]);
    expect(problemsOf(`${PLATFORM}tables:\n  orders:\n    partitionKey: { name: id, type: S }\n`)).toEqual([
      { file: 'platform.yaml', line: 5, column: 3, path: 'tables.orders', message: 'missing hashKey (required)' },
      { file: 'platform.yaml', line: 6, column: 5, path: 'tables.orders.partitionKey', message: 'unknown key; the spec calls it `hashKey`' },
    ]);
  });

  test('an unknown top-level key lists the sections', () => {
    expect(problemsOf(`${PLATFORM}servics: {}\n`)).toEqual([
      { file: 'platform.yaml', line: 4, column: 1, path: 'servics', message: 'unknown key; did you mean services?' },
    ]);
    expect(problemsOf(`${PLATFORM}vpc: {}\n`)[0].message).toBe(
      'unknown key; expected one of platform, network, cluster, certificates, loadBalancer, defaults, databases, tables, services, teleport, finops, devopsAgent');
  });

  test('a missing required key, at its mapping: platform.name', () => {
    expect(problemsOf('# the platform\nplatform:\n  region: eu-west-1\n')).toEqual([
      { file: 'platform.yaml', line: 2, column: 1, path: 'platform', message: 'missing name (required)' },
    ]);
  });

  test('an enum value lists the values', () => {
    expect(problemsOf(`${PLATFORM}databases:\n  main-db:\n    engine: postgresql\n`)).toEqual([
      { file: 'platform.yaml', line: 6, column: 13, path: 'databases.main-db.engine', message: 'expected one of "postgres", "mysql", "mariadb"; got "postgresql"' },
    ]);
  });

  test('a number where text is needed says to quote it: engineVersion: 15.10', () => {
    expect(problemsOf(`${PLATFORM}databases:\n  main-db:\n    engine: postgres\n    engineVersion: 15.10\n`)).toEqual([{
      file: 'platform.yaml',
      line: 7,
      column: 20,
      path: 'databases.main-db.engineVersion',
      message: 'expected a string (put it in quotes: YAML reads 15.1 as a number); got 15.1',
    }]);
  });

  test('a bad entry name, at the name: Test_App', () => {
    expect(problemsOf(`${PLATFORM}services:\n  Test_App:\n    image: nginx\n`)).toEqual([{
      file: 'platform.yaml',
      line: 5,
      column: 3,
      path: 'services.Test_App',
      message: 'expected a name of lower-case letters, digits and hyphens, starting with a letter, 2 to 40 long',
    }]);
  });

  test('a list where a section\'s mapping belongs', () => {
    expect(problemsOf('platform: [demo]\n')).toEqual([
      { file: 'platform.yaml', line: 1, column: 11, path: 'platform', message: 'expected an object; got ["demo"]' },
    ]);
  });
});

describe('YAML problems', () => {
  test('a duplicate key, at the second one', () => {
    expect(problemsOf(`${PLATFORM}services:\n  api:\n    image: nginx\n    cpu: 256\n    image: httpd\n`)).toEqual([
      { file: 'platform.yaml', line: 8, column: 5, path: 'services.api.image', message: 'duplicate key: a key appears once per mapping (the later one would silently win)' },
    ]);
  });

  test('a duplicate entry, at the second one', () => {
    expect(problemsOf(`${PLATFORM}services:\n  api:\n    image: nginx\n  api:\n    image: httpd\n`)).toEqual([
      { file: 'platform.yaml', line: 7, column: 3, path: 'services.api', message: 'duplicate key: a key appears once per mapping (the later one would silently win)' },
    ]);
  });

  test.each([
    ['an unclosed flow list', `${PLATFORM}services:\n  api:\n    image: [nginx\n    cpu: 256\n`, 7, 5, 'not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['a key out of line', `${PLATFORM}services:\n  api:\n    image: nginx\n   cpu: 256\n`, 7, 1, 'not valid YAML: All mapping items must start at the same column'],
    ['a tab as indentation', `${PLATFORM}services:\n  api:\n\timage: nginx\n`, 6, 1, 'not valid YAML: Tabs are not allowed as indentation'],
    ['two documents', `${PLATFORM}---\nservices: {}\n`, 4, 1, 'not valid YAML: Source contains multiple documents; please use YAML.parseAllDocuments()'],
  ])('a syntax error: %s', (_name, content, line, column, message) => {
    expect(problemsOf(content)).toEqual([{ file: 'platform.yaml', line, column, path: '', message }]);
  });

  test('a file that is not a mapping of sections', () => {
    expect(problemsOf('- platform\n- services\n')).toEqual([
      { file: 'platform.yaml', line: 1, column: 1, path: '', message: 'expected a mapping of sections (platform:, services:, ...); got ["platform","services"]' },
    ]);
  });

  test('a syntax error in each of two files: both', () => {
    const problems = problemsOf([
      { file: 'defaults.yaml', content: 'defaults:\n  cpu: [256\n' },
      { file: 'platform.yaml', content: `${PLATFORM}services:\n  api:\n\timage: nginx\n` },
    ]);
    expect(problems.map((p) => [p.file, p.line])).toEqual([['defaults.yaml', 3], ['platform.yaml', 6]]);
  });
});

describe('a missing file', () => {
  test('an unknown environment lists the environments there are', () => {
    expect(PlatformSpec.check(EXAMPLE, { environment: 'nope' })).toEqual([
      { file: 'environments/nope.yaml', line: 0, column: 0, path: '', message: 'no environment "nope": the environments are dev, prod' },
    ]);
    expect(() => PlatformSpec.load(EXAMPLE, { environment: 'nope' })).toThrow(/environments\/nope\.yaml {2}no environment "nope": the environments are dev, prod/);
  });

  test('the example\'s environments load', () => {
    expect(PlatformSpec.environments(EXAMPLE)).toEqual(['dev', 'prod']);
    expect(PlatformSpec.check(EXAMPLE, { environment: 'dev' })).toEqual([]);
    expect(PlatformSpec.check(EXAMPLE, { environment: 'prod' })).toEqual([]);
  });

  test('no such directory', () => {
    expect(PlatformSpec.check(path.join(EXAMPLE, 'nope'))).toEqual([expect.objectContaining({ line: 0, column: 0, message: expect.stringMatching(/^no such directory/) })]);
  });
});

describe('every problem at once', () => {
  const MANY = `${PLATFORM}services:
  api:
    cpu: "256"
    memroy: 512
    cpuArchitecture: arm
  Bad_Name: {}
databases:
  main-db:
    engineVersion: 15.10
    publiclyAccessible: true
`;

  test('six mistakes in one file: six problems in one PlatformSpecError', () => {
    const error = errorOf(MANY);
    expect(sorted(error.problems)).toEqual([
      { file: 'platform.yaml', line: 6, column: 10, path: 'services.api.cpu', message: 'expected an integer; got "256"' },
      { file: 'platform.yaml', line: 7, column: 5, path: 'services.api.memroy', message: 'unknown key; did you mean memory?' },
      { file: 'platform.yaml', line: 8, column: 22, path: 'services.api.cpuArchitecture', message: 'expected one of "X86_64", "ARM64"; got "arm"' },
      { file: 'platform.yaml', line: 9, column: 3, path: 'services.Bad_Name', message: 'expected a name of lower-case letters, digits and hyphens, starting with a letter, 2 to 40 long' },
      { file: 'platform.yaml', line: 12, column: 20, path: 'databases.main-db.engineVersion', message: 'expected a string (put it in quotes: YAML reads 15.1 as a number); got 15.1' },
      {
        file: 'platform.yaml',
        line: 13,
        column: 25,
        path: 'databases.main-db.publiclyAccessible',
        message: 'expected false (databases live in the isolated subnets; reach one through Teleport (`teleport.enabled`)); got true',
      },
    ]);
    // The message lists each as file:line:column, as editors and CI logs link them.
    expect(error.message).toMatch(/^The platform spec has 6 problems:\n/);
    expect(error.message).toContain('  platform.yaml:6:10  services.api.cpu: expected an integer; got "256"');
    expect(error.message).toContain('  platform.yaml:13:25  databases.main-db.publiclyAccessible: expected false');
  });

  test('mistakes spread over the layers: each at its file', () => {
    const problems = problemsOf([
      { file: 'defaults.yaml', content: 'defaults:\n  desiredCount: two\n' },
      { file: 'platform.yaml', content: `${PLATFORM}services:\n  api:\n    port: "80"\n` },
      { file: 'environments/dev.yaml', content: 'platform:\n  profile: staging\n' },
    ]);
    expect(sorted(problems)).toEqual([
      { file: 'defaults.yaml', line: 2, column: 17, path: 'defaults.desiredCount', message: 'expected an integer; got "two"' },
      { file: 'environments/dev.yaml', line: 2, column: 12, path: 'platform.profile', message: 'expected one of "development", "production"; got "staging"' },
      { file: 'platform.yaml', line: 6, column: 11, path: 'services.api.port', message: 'expected an integer; got "80"' },
    ]);
  });

  test('several broken references: all of them', () => {
    const problems = problemsOf(`${PLATFORM}services:
  test-app: {}
databases:
  main-db:
    allowedServices: [tset-app]
tables:
  sessions:
    hashKey: { name: id, type: S }
    allowedServices:
      read: [test-ap]
loadBalancer:
  certificate: app-cert
`);
    expect(sorted(problems)).toEqual([
      { file: 'platform.yaml', line: 8, column: 23, path: 'databases.main-db.allowedServices[0]', message: 'no service is named "tset-app"; did you mean test-app?' },
      { file: 'platform.yaml', line: 13, column: 14, path: 'tables.sessions.allowedServices.read[0]', message: 'no service is named "test-ap"; did you mean test-app?' },
      { file: 'platform.yaml', line: 15, column: 16, path: 'loadBalancer.certificate', message: 'no certificate is named "app-cert"; add it under certificates' },
    ]);
  });
});

describe('construct problems, mapped back to the YAML (engine-neutral driver)', () => {
  const spec = PlatformSpec.fromSources([{
    file: 'platform.yaml', content: `${PLATFORM}services:
  api:
    cpu: 300
  jobs:
    type: worker
databases:
  main-db:
    backup:
      retentionPeriod: 90
    allowedServices: [api]
tables:
  sessions:
    hashKey: { name: id, type: S }
`,
  }]);
  const context = (construct: string) => ({ construct, path: construct, isUnresolved: () => false });

  /** A factory whose constructs are plain objects; `fail` names the entries that throw. */
  function factory(fail: Record<string, unknown>, calls: string[]): PlatformFactory<any, any, any, any, any, any, any, any, any> {
    const make = (kind: string) => (entry: { name: string }) => {
      calls.push(`${kind}:${entry.name}`);
      if (entry.name in fail) throw fail[entry.name];
      return { kind, name: entry.name };
    };
    return {
      network: make('network'),
      cluster: make('cluster'),
      certificate: (entry) => `arn:${entry.name}`,
      loadBalancer: make('loadBalancer'),
      database: make('database'),
      table: make('table'),
      service: make('service'),
      teleport: make('teleport'),
      finops: make('finops'),
      devopsAgent: (entry) => ({ ...make('devopsAgent')(entry), investigateAlarms: () => undefined }),
      grantConnect: (db, service) => calls.push(`grantConnect:${db.name}:${service.name}`),
      grantTable: (table, service, access) => calls.push(`grantTable:${table.name}:${service.name}:${access}`),
      teleportDatabase: () => undefined,
      teleportApp: () => undefined,
    };
  }

  test('builds everything, with the grants, when nothing fails', () => {
    const calls: string[] = [];
    const built = buildSpec(spec, factory({}, calls));
    expect(Object.keys(built.services)).toEqual(['api', 'jobs']);
    expect(calls).toEqual(['network:network', 'cluster:cluster', 'loadBalancer:loadBalancer', 'database:main-db', 'table:sessions', 'service:api', 'service:jobs', 'grantConnect:main-db:api']);
  });

  test('every construct\'s problems in one error, each at its key; what depends on a failed construct is skipped', () => {
    const calls: string[] = [];
    const error = (() => {
      try {
        buildSpec(spec, factory({
          'api': new PropsValidationError(context('FargateWebService'), [{ prop: 'cpu', given: 300, allowed: 'expected one of 256, 512' }]),
          'main-db': new PropsValidationError(context('ManagedDatabase'), [{ prop: 'backupRetentionDays', given: 90, allowed: 'expected an integer from 1 to 35' }]),
          'sessions': new Error('something else\nwent wrong'),
        }, calls));
      } catch (e) {
        return e as PlatformSpecError;
      }
      throw new Error('expected the build to fail');
    })();
    expect(error).toBeInstanceOf(PlatformSpecError);
    expect(sorted(error.problems)).toEqual([
      { file: 'platform.yaml', line: 6, column: 10, path: 'services.api.cpu', message: 'expected one of 256, 512; got 300' },
      { file: 'platform.yaml', line: 12, column: 24, path: 'databases.main-db.backup.retentionPeriod', message: 'expected an integer from 1 to 35; got 90' },
      { file: 'platform.yaml', line: 15, column: 3, path: 'tables.sessions', message: 'ManagedTable: something else went wrong' },
    ]);
    // The worker is still built; no grant to or from what failed.
    expect(calls.filter((c) => c.startsWith('service:') || c.startsWith('grant'))).toEqual(['service:api', 'service:jobs']);
  });

  test('a failed network skips the cluster and everything in it', () => {
    const calls: string[] = [];
    expect(() => buildSpec(spec, factory({ network: new Error('no') }, calls))).toThrow(PlatformSpecError);
    expect(calls).toEqual(['network:network', 'table:sessions']);
  });
});

describe('construct problems when built, alike in both engines', () => {
  const SINGLE = `${PLATFORM}services:
  api:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    cpu: 300
    routing:
      priority: 10
      pathPatterns: [/api/*]
databases:
  main-db:
    engine: postgres
    backup:
      retentionPeriod: 90
`;
  // An inherited bad value points at defaults.yaml, an environment's at its file.
  const LAYERED: SpecSource[] = [
    { file: 'defaults.yaml', content: 'defaults:\n  cpu: 256\n  logRetentionDays: 31\n' },
    { file: 'platform.yaml', content: `${PLATFORM}services:\n  worker:\n    type: worker\n    image: public.ecr.aws/docker/library/busybox:1.37.0\n` },
    { file: 'environments/dev.yaml', content: 'services:\n  worker:\n    memory: 100\n' },
  ];

  const EXPECTED: Record<'single' | 'layered', SpecProblem[]> = {
    single: [
      { file: 'platform.yaml', line: 16, column: 24, path: 'databases.main-db.backup.retentionPeriod', message: 'expected an integer from 1 to 35; got 90' },
      { file: 'platform.yaml', line: 8, column: 10, path: 'services.api.cpu', message: 'expected one of 256, 512, 1024, 2048, 4096, 8192, 16384; got 300' },
    ],
    layered: [
      { file: 'environments/dev.yaml', line: 3, column: 13, path: 'services.worker.memory', message: 'expected a memory size Fargate offers for cpu 256: 512, 1024, 2048; got 100' },
      {
        file: 'defaults.yaml',
        line: 3,
        column: 21,
        path: 'defaults.logRetentionDays',
        message: 'expected one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; got 31',
      },
    ],
  };

  const specs = {
    single: PlatformSpec.fromSources([{ file: 'platform.yaml', content: SINGLE }], { environment: 'dev' }),
    layered: PlatformSpec.fromSources(LAYERED, { environment: 'dev' }),
  };
  const problems: Record<string, Record<string, readonly SpecProblem[]>> = { cdk: {}, cdktf: {} };

  function thrown(build: () => unknown): readonly SpecProblem[] {
    try {
      build();
    } catch (error) {
      expect(error).toBeInstanceOf(PlatformSpecError);
      return (error as PlatformSpecError).problems;
    }
    throw new Error('expected the build to fail');
  }

  test.each(['single', 'layered'] as const)('AWS CDK PlatformSpecStack: %s', (name) => {
    problems.cdk[name] = thrown(() => new cdk.PlatformSpecStack(new App(), 'S', { spec: specs[name] }));
    expect(sorted(problems.cdk[name])).toEqual(sorted(EXPECTED[name]));
  });

  test.each(['single', 'layered'] as const)('CDK for Terraform PlatformSpecStack: %s, the same problems as AWS CDK', (name) => {
    problems.cdktf[name] = thrown(() => new cdktf.PlatformSpecStack(Testing.app(), 'S', { spec: specs[name] }));
    expect(sorted(problems.cdktf[name])).toEqual(sorted(EXPECTED[name]));
    // Compared whole, not only against the expectation: (file, line, column, path, message) alike, in the same order.
    if (problems.cdk[name] !== undefined) expect(problems.cdktf[name]).toStrictEqual(problems.cdk[name]);
  });
});

describe('hostile or empty input is refused at its place, not taken in', () => {
  test('a key named like an Object property (constructor) is an unknown key, with a real suggestion or the known ones', () => {
    const [problem] = problemsOf(`${PLATFORM}cluster:\n  constructor: 1\n`);
    expect(problem).toMatchObject({ file: 'platform.yaml', line: 5, column: 3, path: 'cluster.constructor' });
    expect(problem.message).toMatch(/^unknown key; (did you mean|expected one of) /);
    expect(problem.message).not.toContain('native code');
  });

  test('__proto__ never becomes a prototype: it is refused at its key', () => {
    expect(problemsOf(`${PLATFORM}finops:\n  __proto__:\n    instanceEvents: false\n`)).toEqual([
      { file: 'platform.yaml', line: 5, column: 3, path: 'finops.__proto__', message: 'unknown key: __proto__' },
    ]);
  });

  test('a spec without a platform section (an empty file) is refused: it has no name or region', () => {
    expect(problemsOf('')).toEqual([
      { file: 'platform.yaml', line: 1, column: 1, path: '', message: 'missing platform (required)' },
    ]);
  });

  test('a duplicate key is reported at the second one, with its path', () => {
    expect(problemsOf(`${PLATFORM}cluster:\n  containerInsights: true\n  containerInsights: false\n`)).toEqual([
      { file: 'platform.yaml', line: 6, column: 3, path: 'cluster.containerInsights', message: expect.stringMatching(/^duplicate key/) },
    ]);
  });
});

test('autoscaling: { enabled: true } alone turns autoscaling on with the construct\'s defaults', () => {
  const spec = PlatformSpec.fromSources([{ file: 'platform.yaml', content: `${PLATFORM}services:\n  api:\n    image: nginx\n    autoscaling: { enabled: true }\n` }]);
  expect(spec._plan.services[0].options.autoScaling).toEqual({});
});

describe('every name on the shared HTTPS listener is covered by a certificate on it', () => {
  const spec = (hosts: string, teleportCert: string, lb = 'certificate: app-cert') => `${PLATFORM}certificates:
  app-cert: { domain: app.example.com, subjectAlternativeNames: ["*.app.example.com"] }
  tp-cert: { domain: teleport.example.com${teleportCert} }
loadBalancer: { ${lb} }
services:
  api: { image: nginx, port: 80, routing: { hostHeaders: ${hosts}, priority: 100 } }
teleport:
  domain: teleport.example.com
  certificate: tp-cert
  sso: { github: { clientId: id, clientSecretArn: arn:aws:secretsmanager:eu-west-1:111122223333:secret:gh-AbCdEf, organization: org, teams: [{ team: t, roles: [access] }] } }
`;

  test('a host no certificate covers, and Teleport\'s apps without *.<domain>: each at its key, with the fix', () => {
    expect(sorted(problemsOf(spec('[app.example.com, api.v2.app.example.com, shop.example.org]', '')))).toEqual([
      expect.objectContaining({
        line: 9,
        path: 'services.api.routing.hostHeaders[1]',
        message: 'no certificate on the load balancer\'s HTTPS listener covers api.v2.app.example.com: add it to certificates.app-cert or certificates.tp-cert (domain or subjectAlternativeNames)',
      }),
      expect.objectContaining({ line: 9, column: 100, path: 'services.api.routing.hostHeaders[2]', message: expect.stringContaining('covers shop.example.org') }),
      expect.objectContaining({ line: 11, column: 11, path: 'teleport.domain', message: expect.stringContaining('covers *.teleport.example.com (Teleport\'s proxy and its apps)') }),
    ]);
  });

  test('covered exactly, by a one-label wildcard, or by Teleport\'s certificate on the same listener: no problem', () => {
    expect(() => PlatformSpec.fromSources([{
      file: 'platform.yaml',
      content: spec('[app.example.com, www.app.example.com, teleport.example.com]', ', subjectAlternativeNames: ["*.teleport.example.com"]'),
    }])).not.toThrow();
  });

  test('a certificate given by ARN has names the spec cannot know: not judged', () => {
    expect(() => PlatformSpec.fromSources([{
      file: 'platform.yaml',
      content: spec('[shop.example.org]', '', 'certificateArn: arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555'),
    }])).not.toThrow();
  });
});
