/**
 * Layering: defaults.yaml < platform.yaml < environments/<env>.yaml, deep-merged. Mappings merge key
 * by key, lists and scalars replace, `null` / `~` removes what is inherited, a service's own keys win
 * over `defaults`, and every value keeps the position of the file that set it, so problems point there.
 */
import * as YAML from 'yaml';
import { PropsValidationError } from '../../src/constructs/validation';
import type { SpecProblem, SpecSource } from '../../src/spec/load';
import { problemsFromConstruct } from '../../src/spec/plan';
import { PlatformSpecError } from '../../src/spec/platform-spec';
import { PlatformSpec } from 'ecs-platform-constructs';

const DEFAULTS = `# Every service inherits these.
defaults:
  cpu: 256
  memory: 512
  desiredCount: 1
  logRetentionDays: 30
  healthCheck:
    path: /health
    interval: 30
  environment:
    LOG_LEVEL: info
    REGION: eu-west-1
`;

const PLATFORM = `platform:
  name: demo
  region: eu-west-1
  tags:
    owner: platform-team
    cost-center: "1234"
defaults:
  desiredCount: 2
  healthCheck:
    timeout: 5
services:
  api:
    image: api:1.0
    cpu: 1024
    command: [node, server.js, --verbose]
    routing:
      priority: 10
      pathPatterns: [/api/*, /v1/*]
    environment:
      LOG_LEVEL: debug
    healthCheck:
      path: /api/health
  nginx:
    image: nginx:1.27
    routing:
      priority: 20
`;

const DEV = `platform:
  profile: development
  tags:
    cost-center: "5678"
defaults:
  desiredCount: 3
  memory: ~
services:
  api:
    command: [node, dev.js]
    routing:
      pathPatterns: [/dev/*]
    environment:
      DEBUG: "1"
  nginx: null
`;

/** The three layers; `dev: null` leaves the environment out. */
function sources(defaults = DEFAULTS, platform = PLATFORM, dev: string | null = DEV): SpecSource[] {
  return [
    { file: 'defaults.yaml', content: defaults },
    { file: 'platform.yaml', content: platform },
    ...(dev === null ? [] : [{ file: 'environments/dev.yaml', content: dev }]),
  ];
}

function load(layers: SpecSource[] = sources()): PlatformSpec {
  return PlatformSpec.fromSources(layers, { environment: 'dev' });
}

function problemsOf(layers: SpecSource[]): SpecProblem[] {
  try {
    load(layers);
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformSpecError);
    return [...(error as PlatformSpecError).problems];
  }
  throw new Error('expected the spec to be refused');
}

/** The 1-based line and column of the first occurrence of `text` in `content`. */
function positionOf(content: string, text: string): { line: number; column: number } {
  const lines = content.split('\n');
  const line = lines.findIndex((l) => l.includes(text));
  if (line < 0) throw new Error(`${JSON.stringify(text)} is not in the file`);
  return { line: line + 1, column: lines[line].indexOf(text) + 1 };
}

function service(spec: PlatformSpec, name: string): Record<string, any> {
  const found = spec._plan.services.find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found.options;
}

describe('precedence: defaults.yaml < platform.yaml < environments/<env>.yaml', () => {
  test('a scalar set in all three files takes the environment\'s value', () => {
    const spec = load();
    expect(spec._merged.value.defaults).toMatchObject({ desiredCount: 3 });
    expect(service(spec, 'api').desiredCount).toBe(3);
    expect(spec.files).toEqual(['defaults.yaml', 'platform.yaml', 'environments/dev.yaml']);
  });

  test('without the environment, platform.yaml wins over defaults.yaml', () => {
    const spec = load(sources(DEFAULTS, PLATFORM, null));
    expect(service(spec, 'api').desiredCount).toBe(2);
    expect(service(spec, 'api').memoryMiB).toBe(512);
  });

  test('a later file wins whatever its order of keys and sections', () => {
    const reordered = 'services:\n  api:\n    cpu: 2048\ndefaults:\n  desiredCount: 5\nplatform:\n  profile: production\n';
    const spec = load(sources(DEFAULTS, PLATFORM, reordered));
    expect(service(spec, 'api')).toMatchObject({ cpu: 2048, desiredCount: 5, profile: 'PRODUCTION' });
  });

  test('the lowest layer may hold any section, not only defaults', () => {
    const spec = load(sources(`${DEFAULTS}network:\n  maxAzs: 3\n  natGateways: 1\n`, `${PLATFORM}network:\n  maxAzs: 2\n`, DEV));
    expect(spec._plan.network.options).toMatchObject({ maxAzs: 2, natGateways: 1 });
  });
});

describe('mappings merge key by key', () => {
  test('platform.tags: the environment changes one tag, keeps the other', () => {
    expect(load()._plan.tags).toEqual({ 'owner': 'platform-team', 'cost-center': '5678', 'platform': 'demo', 'environment': 'dev' });
  });

  test('defaults.healthCheck gathers its keys from all three files', () => {
    expect(load()._merged.value.defaults).toMatchObject({ healthCheck: { path: '/health', interval: 30, timeout: 5 } });
  });

  test('a service\'s environment variables: defaults, its own and the environment\'s, the latest winning', () => {
    expect(service(load(), 'api').environment).toEqual({ LOG_LEVEL: 'debug', REGION: 'eu-west-1', DEBUG: '1' });
  });

  test('an empty mapping merges nothing away', () => {
    const spec = load(sources(DEFAULTS, PLATFORM, 'defaults:\n  environment: {}\n'));
    expect(spec._merged.value.defaults).toMatchObject({ environment: { LOG_LEVEL: 'info', REGION: 'eu-west-1' } });
  });

  test('a scalar over a mapping, or a mapping over a list, replaces it: the schema then says what is wrong, where', () => {
    const problems = problemsOf(sources(DEFAULTS, PLATFORM, 'defaults:\n  healthCheck: /ping\nservices:\n  api:\n    command: { run: node }\n'));
    expect(problems).toEqual([
      { file: 'environments/dev.yaml', line: 2, column: 16, path: 'defaults.healthCheck', message: 'expected an object; got "/ping"' },
      { file: 'environments/dev.yaml', line: 5, column: 14, path: 'services.api.command', message: 'expected an array; got {"run":"node"}' },
    ]);
  });
});

describe('lists replace, never append', () => {
  test('command and routing.pathPatterns are the environment\'s lists alone', () => {
    const api = service(load(), 'api');
    expect(api.command).toEqual(['node', 'dev.js']);
    expect(api.routing).toEqual({ priority: 10, pathPatterns: ['/dev/*'] });
  });

  test('an empty list replaces an inherited one', () => {
    const spec = load(sources(DEFAULTS, PLATFORM, 'services:\n  api:\n    command: []\n'));
    expect(service(spec, 'api').command).toEqual([]);
  });

  test('the replaced list\'s positions go with it', () => {
    const spec = load();
    expect(spec._merged.positions.get('/services/api/command/0')?.file).toBe('environments/dev.yaml');
    expect(spec._merged.positions.has('/services/api/command/2')).toBe(false);
  });
});

describe('null (~) removes what is inherited', () => {
  test('~ removes defaults.memory: the service gets no memory at all', () => {
    const spec = load();
    expect(spec._merged.value.defaults).not.toHaveProperty('memory');
    expect(service(spec, 'api')).not.toHaveProperty('memoryMiB');
    expect(spec._merged.positions.has('/defaults/memory')).toBe(false);
  });

  test('null removes a whole service', () => {
    const spec = load();
    expect(spec.serviceNames).toEqual(['api']);
    expect(spec._merged.value.services).not.toHaveProperty('nginx');
    expect([...spec._merged.positions.keys()].filter((p) => p.startsWith('/services/nginx'))).toEqual([]);
  });

  test('removing a service\'s own key brings back the inherited default', () => {
    const spec = load(sources(DEFAULTS, PLATFORM, 'services:\n  api:\n    cpu: ~\n'));
    expect(service(spec, 'api').cpu).toBe(256);
  });

  test('removing a whole section, and a key nothing set, are both fine', () => {
    const spec = load(sources(DEFAULTS, PLATFORM, 'defaults: ~\nnetwork:\n  natGateways: ~\n'));
    expect(spec._merged.value).not.toHaveProperty('defaults');
    expect(spec._merged.value.network).toEqual({});
    expect(service(spec, 'api')).not.toHaveProperty('desiredCount');
    expect(service(spec, 'api').cpu).toBe(1024);
  });

  test('a service\'s ~ removes the key it would inherit from defaults, for that service alone', () => {
    const spec = load(sources(DEFAULTS, PLATFORM, 'services:\n  api:\n    memory: ~\n    healthCheck:\n      interval: ~\n'));
    expect(service(spec, 'api')).not.toHaveProperty('memoryMiB');
    expect(service(spec, 'api').healthCheck).toEqual({ path: '/api/health', timeoutSeconds: 5 });
    expect(service(spec, 'nginx')).toMatchObject({ memoryMiB: 512, healthCheck: { path: '/health', intervalSeconds: 30, timeoutSeconds: 5 } });
    // A worker that removes a web-only key it never had is no mistake.
    const worker = load(sources(`${DEFAULTS}  port: 8080\n`, PLATFORM, 'services:\n  jobs:\n    type: worker\n    port: ~\n    spot: ~\n'));
    expect(service(worker, 'jobs')).not.toHaveProperty('containerPort');
    expect(service(worker, 'jobs')).not.toHaveProperty('spot');
  });

  test('null inside a new mapping outside services is dropped, not kept as a value', () => {
    const spec = load(sources(DEFAULTS, PLATFORM, 'tables:\n  sessions:\n    hashKey: { name: id, type: S }\n    stream: ~\n'));
    expect(spec._merged.value.tables).toEqual({ sessions: { hashKey: { name: 'id', type: 'S' } } });
    expect(spec._plan.tables[0].options).not.toHaveProperty('stream');
  });
});

describe('a service\'s own keys win over defaults', () => {
  test('cpu and healthCheck.path are the service\'s; the rest of healthCheck is inherited', () => {
    const api = service(load(), 'api');
    expect(api.cpu).toBe(1024);
    expect(api.healthCheck).toEqual({ path: '/api/health', intervalSeconds: 30, timeoutSeconds: 5 });
    expect(api.logRetentionDays).toBe(30);
  });

  test('a service that sets nothing gets every default', () => {
    const spec = load(sources(DEFAULTS, PLATFORM, 'services:\n  admin:\n    routing:\n      priority: 30\n'));
    expect(service(spec, 'admin')).toEqual({
      cpu: 256,
      memoryMiB: 512,
      desiredCount: 2,
      logRetentionDays: 30,
      environment: { LOG_LEVEL: 'info', REGION: 'eu-west-1' },
      healthCheck: { path: '/health', intervalSeconds: 30, timeoutSeconds: 5 },
      routing: { priority: 30 },
      profile: 'DEVELOPMENT',
    });
  });
});

describe('toYaml: the merged result', () => {
  test('re-parses to the same value, and loads to the same plan', () => {
    const spec = load();
    const text = spec.toYaml();
    expect(YAML.parse(text)).toEqual(spec._merged.value);
    expect(JSON.parse(spec.toJson())).toEqual(spec._merged.value);
    const again = PlatformSpec.fromSources([{ file: 'merged.yaml', content: text }], { environment: 'dev' });
    expect(again._merged.value).toEqual(spec._merged.value);
    expect(again._plan.services.map((s) => s.options)).toEqual(spec._plan.services.map((s) => s.options));
    expect(again._plan.tags).toEqual(spec._plan.tags);
  });

  test('keeps text that YAML would read as another type a string', () => {
    const platform = `${PLATFORM.replace('"1234"', '"0012"').replace('platform:\n', 'platform:\n  account: "011122223333"\n')}databases:\n  main-db:\n    engineVersion: "15.10"\n`;
    const spec = load(sources(DEFAULTS, platform, null));
    const reparsed = YAML.parse(spec.toYaml());
    expect(reparsed.platform).toMatchObject({ account: '011122223333', tags: { 'cost-center': '0012' } });
    expect(reparsed.databases).toEqual({ 'main-db': { engineVersion: '15.10' } });
    expect(reparsed).toEqual(spec._merged.value);
  });
});

describe('positions follow the file that set the value', () => {
  test('each key is at its own file and line', () => {
    const positions = load()._merged.positions;
    const where = (pointer: string) => {
      const p = positions.get(pointer);
      return p && { file: p.file, line: p.line, column: p.column };
    };
    expect(where('/defaults/desiredCount')).toEqual({ file: 'environments/dev.yaml', ...positionOf(DEV, 'desiredCount') });
    expect(where('/defaults/healthCheck/interval')).toEqual({ file: 'defaults.yaml', ...positionOf(DEFAULTS, 'interval') });
    expect(where('/defaults/healthCheck/timeout')).toEqual({ file: 'platform.yaml', ...positionOf(PLATFORM, 'timeout') });
    expect(where('/services/api/cpu')).toEqual({ file: 'platform.yaml', ...positionOf(PLATFORM, 'cpu: 1024') });
    expect(where('/services/api/environment/DEBUG')).toEqual({ file: 'environments/dev.yaml', ...positionOf(DEV, 'DEBUG') });
  });

  test('a bad value set in environments/dev.yaml is reported there; one inherited from defaults.yaml, there', () => {
    const defaults = DEFAULTS.replace('logRetentionDays: 30', 'logRetentionDays: thirty');
    const dev = `${DEV}    cpuArchitecture: x86\n`.replace('  nginx: null\n', '');
    const problems = problemsOf(sources(defaults, PLATFORM, dev));
    expect(problems).toEqual(expect.arrayContaining([
      { file: 'defaults.yaml', ...positionOf(defaults, 'thirty'), path: 'defaults.logRetentionDays', message: 'expected an integer; got "thirty"' },
      { file: 'environments/dev.yaml', ...positionOf(dev, 'x86'), path: 'services.api.cpuArchitecture', message: 'expected one of "X86_64", "ARM64"; got "x86"' },
    ]));
    expect(problems).toHaveLength(2);
  });

  test('a bad value a later file overrides is no problem', () => {
    const spec = load(sources(DEFAULTS.replace('cpu: 256', 'cpu: "256"'), PLATFORM, `${DEV}defaults:\n  cpu: 512\n`.replace('defaults:\n  desiredCount: 3\n  memory: ~\n', '')));
    expect(spec._merged.value.defaults).toMatchObject({ cpu: 512 });
  });

  test('a key removed with ~ and set again takes the later file\'s position', () => {
    const spec = load(sources(DEFAULTS, PLATFORM, 'defaults:\n  healthCheck: ~\n'));
    expect(spec._merged.value.defaults).not.toHaveProperty('healthCheck');
    const again = load([...sources(DEFAULTS, PLATFORM, 'defaults:\n  healthCheck: ~\n'), { file: 'environments/extra.yaml', content: 'defaults:\n  healthCheck:\n    interval: 10\n' }]);
    expect(again._merged.value.defaults).toMatchObject({ healthCheck: { interval: 10 } });
    expect(again._merged.positions.get('/defaults/healthCheck/interval')).toMatchObject({ file: 'environments/extra.yaml', line: 3, column: 5 });
    expect(again._merged.positions.has('/defaults/healthCheck/path')).toBe(false);
  });

  test('a construct\'s problem with an inherited key points at defaults; with the service\'s own, at the service', () => {
    const spec = load();
    const api = spec._plan.services.find((s) => s.name === 'api')!;
    const error = new PropsValidationError({ construct: 'FargateWebService', path: 'S/api', isUnresolved: () => false }, [
      { prop: 'healthCheck.intervalSeconds', given: 30, allowed: 'expected an integer from 5 to 20' },
      { prop: 'cpu', given: 1024, allowed: 'expected 256' },
      { prop: 'desiredCount', given: 3, allowed: 'expected at most 2' },
      { prop: 'taskRole', given: 'x', allowed: 'expected a role' },
    ]);
    expect(problemsFromConstruct(spec._merged, api, error)).toEqual([
      { file: 'defaults.yaml', ...valueAt(DEFAULTS, 'interval: 30', '30'), path: 'defaults.healthCheck.interval', message: 'expected an integer from 5 to 20; got 30' },
      { file: 'platform.yaml', ...valueAt(PLATFORM, 'cpu: 1024', '1024'), path: 'services.api.cpu', message: 'expected 256; got 1024' },
      { file: 'environments/dev.yaml', ...valueAt(DEV, 'desiredCount: 3', '3'), path: 'defaults.desiredCount', message: 'expected at most 2; got 3' },
      // No key sets it: at the service's entry where it was last written, naming the prop.
      { file: 'environments/dev.yaml', ...positionOf(DEV, 'api:'), path: 'services.api', message: 'expected a role; got "x" (taskRole)' },
    ]);
  });
});

/** Where `value` is written on the line holding `line`. */
function valueAt(content: string, line: string, value: string): { line: number; column: number } {
  const at = positionOf(content, line);
  return { line: at.line, column: at.column + line.indexOf(value) };
}
