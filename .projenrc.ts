import { cdk, javascript } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

// Versions the library is developed and tested against. The peer ranges below
// are what users may install; the dev pins are what CI proves.
const AWS_CDK_LIB = '2.276.0';
const CONSTRUCTS = '10.8.1';
const CDKTF = '0.21.0';
const PROVIDER_AWS = '21.22.1';

const project = new cdk.JsiiProject({
  name: 'ecs-platform-constructs',
  description:
    'L3 constructs for a complete container platform on AWS ECS Fargate (network, cluster, web services, databases, FinOps, Teleport, DevOps Agent) for AWS CDK and CDK for Terraform alike.',
  license: 'Apache-2.0',
  author: 'ecs-platform-constructs developers',
  authorAddress: 'maintainers@ecs-platform-constructs.dev',
  repositoryUrl: 'https://github.com/ecs-platform-constructs/ecs-platform-constructs.git',
  keywords: ['aws', 'cdk', 'cdktf', 'terraform', 'ecs', 'fargate', 'constructs', 'platform'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.0.0',
  stability: 'experimental',

  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.0',

  // Both engines are optional peers: a CDK-only team installs no Terraform
  // packages and a CDKTF-only team installs no aws-cdk-lib.
  peerDeps: [
    'aws-cdk-lib@^2.257.0',
    'constructs@^10.4.2',
    'cdktf@^0.21.0',
    '@cdktf/provider-aws@^21.0.0',
  ],
  peerDependencyOptions: { pinnedDevDependency: false },
  devDeps: [
    `aws-cdk-lib@${AWS_CDK_LIB}`,
    `constructs@${CONSTRUCTS}`,
    `cdktf@${CDKTF}`,
    `@cdktf/provider-aws@${PROVIDER_AWS}`,
    'cdk-nag@^3.0.2',
    '@cdklabs/cdk-validator-cfnguard@^0.0.62',
    '@aws-cdk/cloudformation-diff@^2.187.5',
    'aws-cdk@^2.1148.0',
    `cdktf-cli@${CDKTF}`,
    'ts-node@^10.9.2',
    // FinOps Lambda handlers (src/handlers): bundled with esbuild into assets/handlers at build time,
    // so the AWS SDK clients are build-time dependencies only; tested with aws-sdk-client-mock.
    'esbuild@^0.28.2',
    '@aws-sdk/client-cloudwatch@^3.1164.0',
    '@aws-sdk/client-ec2@^3.1164.0',
    '@aws-sdk/client-secrets-manager@^3.1164.0',
    '@aws-sdk/client-sns@^3.1164.0',
    'aws-sdk-client-mock@^4.1.0',
    '@types/aws-lambda@^8.10.152',
  ],
  // The platform spec (src/spec): YAML with positions, and its JSON Schema checked by a maintained
  // validator. Bundled into the package (jsii requires run-time dependencies to be bundled).
  bundledDeps: ['yaml@^2.8.1', 'ajv@^8.17.1'],
  // Lambda runtime code is not part of the jsii API: esbuild bundles it (scripts/bundle-handlers.js).
  excludeTypescript: ['src/handlers/**'],

  // Snapshots (golden files) are only ever rewritten by a deliberate
  // `npm run golden:update`, never as a side effect of `npm test`.
  jestOptions: {
    updateSnapshot: UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      // Tests and examples import the package by name, exactly as users do;
      // under jest that name points at the TypeScript sources.
      moduleNameMapper: {
        '^ecs-platform-constructs$': '<rootDir>/src/index.ts',
        '^ecs-platform-constructs/(cdk|cdktf)$': '<rootDir>/src/$1/index.ts',
      },
      testTimeout: 120_000,
      // One worker more than the 2 cores here: the packing/installing and terraform tests wait on
      // I/O and child processes, and a third worker fills that time (measured: 303 s -> 272 s).
      maxWorkers: 3,
      // The package test (npm pack + two npm installs, ~2 minutes) runs in its own task, test:package.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/examples/', '<rootDir>/lib/', '<rootDir>/dist/', '<rootDir>/test/package/'],
      coveragePathIgnorePatterns: ['/node_modules/', '/test/'],
      // Coverage costs ~10 % of the suite's time on these 2 cores; `npx jest --coverage` when wanted.
      collectCoverage: false,
    },
  },
  // Type checking is jsii's and ESLint's job; ts-jest only transpiles (much faster).
  tsJestOptions: { transformOptions: { isolatedModules: true } },
  tsconfigDev: {
    compilerOptions: {
      // Examples import the package by name, as users do; type-check them against src/.
      paths: {
        'ecs-platform-constructs': ['../src/index.ts'],
        'ecs-platform-constructs/*': ['../src/*/index.ts'],
      },
    },
    include: ['../examples/**/*.ts', '../scripts/**/*.ts'],
    exclude: ['../examples/**/cdk.out', '../examples/**/cdktf.out'],
  },

  publishToPypi: {
    distName: 'ecs-platform-constructs',
    module: 'ecs_platform_constructs',
  },
  publishToMaven: {
    javaPackage: 'dev.ecsplatform.constructs',
    mavenGroupId: 'dev.ecs-platform-constructs',
    mavenArtifactId: 'ecs-platform-constructs',
  },
  publishToNuget: {
    dotNetNamespace: 'EcsPlatformConstructs',
    packageId: 'EcsPlatformConstructs',
  },
  publishToGo: {
    moduleName: 'github.com/ecs-platform-constructs/ecs-platform-constructs-go',
  },

  // CI here is `.ci/run`; no GitHub workflows or bots are generated.
  github: false,
  release: false,
  buildWorkflow: false,
  docgen: true,
  eslint: true,
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'examples', 'bench', 'projenrc', 'cost', 'diagrams'] },
  sampleCode: false,
  gitignore: [
    'cdk.out/',
    'cdktf.out/',
    '.gen/',
    'examples/**/cdk.context.json',
    '.tmp/',
    '__pycache__/',
    '/assets/handlers/',
  ],
  // bin/ecs-platform (projen lists every file of bin/ in package.json's "bin"): the platform spec's
  // CLI, `npx ecs-platform init|validate|synth|diff-env|diagram`.
  npmIgnoreOptions: { ignorePatterns: ['/examples/', '/scripts/', '/.ci/', '/test/', '/bench/', '/cost/', '/diagrams/', '.tmp/'] },
});

// ---------------------------------------------------------------------------
// Package shape: root (engine-neutral + lazy namespaces), ./cdk, ./cdktf.
// ---------------------------------------------------------------------------
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './cdk': { types: './lib/cdk/index.d.ts', default: './lib/cdk/index.js' },
  './cdktf': { types: './lib/cdktf/index.d.ts', default: './lib/cdktf/index.js' },
  './package.json': './package.json',
  // The platform spec's JSON Schema, for editors and tools that resolve it through the package.
  './platform-spec.schema.json': './platform-spec.schema.json',
  './.jsii': './.jsii',
});
// node10 module resolution ignores "exports"; typesVersions maps the subpaths.
project.package.addField('typesVersions', {
  '*': {
    cdk: ['lib/cdk/index.d.ts'],
    cdktf: ['lib/cdktf/index.d.ts'],
  },
});
project.package.addField('peerDependenciesMeta', {
  'aws-cdk-lib': { optional: true },
  'cdktf': { optional: true },
  '@cdktf/provider-aws': { optional: true },
});

// The registry these machines reach has every platform binding of
// unrs-resolver (jest 30, eslint-import-resolver-typescript) at 1.12.2 but only
// the linux ones at 1.13.0; a lock file resolved at 1.13.0 then fails `npm ci`.
project.package.addPackageResolutions('unrs-resolver@1.12.2');

// The FinOps handlers' bundles (assets/handlers/<name>/index.js) are built before the library
// compiles and shipped in the npm package; both engines deploy them as Lambda code.
// The handlers' SDK clients are bundled by esbuild, never required by the library at run time.
project.eslint?.allowDevDeps('src/handlers/**');

// jsii writes lib/index.js eagerly on every compile; make the namespaces lazy.
project.postCompileTask.exec('node scripts/lazy-root.js');

// We develop against the newest engines; jsii would have the dev pins equal the
// lowest peer versions. (A lowest-versions CI job is the way to cover those.)
project.compileTask.reset('jsii --silence-warnings reserved-word metadata/missing-dev-dependency');
// The FinOps handler bundles are part of compile itself: `test` and `examples` spawn compile directly,
// not the pre-compile step, and lib/ finds the bundles at ../assets/handlers.
project.compileTask.prependExec('node scripts/bundle-handlers.js');

// ---------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------
const testTask = project.tasks.tryFind('test')!;
// The packaging test and the examples need lib/ compiled (with the lazy root),
// and API.md must be regenerated before it is checked.
testTask.prependSpawn(project.postCompileTask);
testTask.prependSpawn(project.compileTask);
testTask.exec('node scripts/check-api-md.js');
// The published platform-spec.schema.json and docs/platform-spec.md's key tables follow src/spec/sections.ts.
testTask.exec('node scripts/write-spec-schema.js --check');
// ESLint, and (ts-jest only transpiles) the type check of the tests and examples, which use the public
// API as users do: side by side, each on its own core (scripts/static-checks.js).
const eslintStep = (testTask.steps as Array<{ spawn?: string }>).findIndex((step) => step.spawn === 'eslint');
if (eslintStep >= 0) testTask.removeStep(eslintStep);
testTask.exec('node scripts/static-checks.js');

project.addTask('examples', {
  description: 'Synthesise every example app in both engines with the real cdk/cdktf CLIs',
  steps: [{ spawn: 'compile' }, { spawn: 'post-compile' }, { exec: 'node scripts/synth-examples.js' }],
});

// projen adds `test:update` (jest --updateSnapshot); this project has no jest
// snapshots: golden files change only through `golden:update`, on purpose.
project.tasks.removeTask('test:update');

// A benchmark, not a test: prints a table, never asserts timings (shared, noisy machines).
project.addTask('bench', {
  description: 'Synthesis benchmark: web-platform (CDK, CDKTF) against an aws-cdk-lib-only app (wall time, peak RSS)',
  steps: [{ spawn: 'compile' }, { spawn: 'post-compile' }, { exec: 'node scripts/bench.js', receiveArgs: true }],
});

// An estimate, not a bill: the monthly cost of every example per profile, from both engines' output and the
// dated price table cost/prices-us-east-1.json (assumptions printed first). The examples need lib/.
project.addTask('cost', {
  description: 'Estimated monthly cost of every example and profile (CDK and CDKTF), with the saving against the seeds\' layout',
  steps: [{ spawn: 'compile' }, { spawn: 'post-compile' }, { exec: 'node -r ts-node/register/transpile-only cost/cli.ts', receiveArgs: true }],
});

// Each example's Mermaid diagram, from its construct tree, written into examples/<name>/README.md;
// test/diagrams fails when one is stale. The examples need lib/.
project.addTask('diagrams', {
  description: 'Render every example\'s Mermaid diagram into examples/<name>/README.md (--check: only report stale ones)',
  steps: [{ spawn: 'compile' }, { spawn: 'post-compile' }, { exec: 'node -r ts-node/register/transpile-only diagrams/update.ts', receiveArgs: true }],
});

// The package as users install it: `npm pack`, then a CDK-only and a CDKTF-only consumer app.
// Kept out of `npm test` (it alone takes about two minutes of installs); CI and the README's
// test command run it right after.
project.addTask('test:package', {
  description: 'Pack the library and synthesise consumer apps of each engine from the tarball',
  steps: [
    { spawn: 'compile' },
    { spawn: 'post-compile' },
    { exec: 'jest --ci --coverage=false --testPathIgnorePatterns /node_modules/ -- test/package' },
  ],
});

project.addTask('golden:update', {
  description: 'Deliberately rewrite the golden templates (commit the result on purpose)',
  env: { GOLDEN_UPDATE: '1' },
  steps: [{ exec: 'jest --ci --coverage=false test/upgrade' }],
});

// Python wheel + sdist without PyPI: generate code, build with Debian's python3-build.
const packageAll = project.tasks.tryFind('package-all')!;
packageAll.reset();
packageAll.spawn(project.tasks.tryFind('package:js')!);
packageAll.exec('node scripts/package-others.js');
// projen's `package` builds only JS when CI is set; ours always builds every target.
const packageTask = project.tasks.tryFind('package')!;
packageTask.reset();
packageTask.spawn(packageAll);

project.synth();
