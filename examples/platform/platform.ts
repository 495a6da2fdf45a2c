/**
 * What both editions of the reference platform share: the profile, the services' options and the
 * names. The other settings come from the examples this one grows from, read from the same context
 * keys, so one cdk.json / cdktf.json "context" configures them all:
 *   - zero-trust:         the shared certificate, the Api's host, Teleport and its GitHub SSO,
 *                         `main-db` and the `sessions` table (the GitOps seed);
 *   - devops-agent-demo:  the GitHub repository that deploys, the agent's GitHub and Slack registrations,
 *                         the bootstrap Node server and the seed's app settings (port 3000, 256/512,
 *                         2 tasks, /health checked every 30 s);
 *   - openops-finops:     the FinOps seeds' guardrails ($1,000 a day, anomalies over $100, EC2/EBS
 *                         events, idle-instance and unattached-volume reports).
 * Each edition (cdk/app.ts, cdktf/main.ts) adds only what its engine spells differently.
 */
import { IConstruct } from 'constructs';
import { APP_SERVICE_OPTIONS, BOOTSTRAP_COMMAND, BOOTSTRAP_IMAGE } from '../devops-agent-demo/devops-agent-demo';
import { API_IMAGE, PRIORITIES, ZeroTrustSettings } from '../zero-trust/zero-trust';
import {
  EnvironmentProfile,
  FargateWebServiceOptions,
  FargateWorkerServiceOptions,
  PlatformNetworkOptions,
} from 'ecs-platform-constructs';

/** The platform's name: its resources' `platform` tag, the deploy role's parameter path, the agent space. */
export const PLATFORM_NAME = 'reference-platform';

/** Tagged on every resource: what the CDKTF agent space monitors (default_tags) and what cost reports group by. */
export const PLATFORM_TAGS: Record<string, string> = { platform: PLATFORM_NAME };

/** The seeds' network: 10.0.0.0/16 over two AZs (three in PRODUCTION, one NAT gateway per AZ there). */
export function networkOptions(profile: EnvironmentProfile): PlatformNetworkOptions {
  return { profile, cidr: '10.0.0.0/16', maxAzs: profile === EnvironmentProfile.PRODUCTION ? 3 : 2 };
}

/**
 * `platform:profile` (`-c platform:profile=PRODUCTION`): which profile the CLI synthesises. The same
 * code builds both; DEVELOPMENT (one NAT gateway, Spot, short retention, deletable data) unless given.
 */
export function profileFrom(app: IConstruct): EnvironmentProfile {
  const given = app.node.tryGetContext('platform:profile');
  if (given === undefined || given === '') return EnvironmentProfile.DEVELOPMENT;
  const profiles = Object.values(EnvironmentProfile) as string[];
  if (!profiles.includes(String(given))) {
    throw new Error(`platform: platform:profile must be one of ${profiles.join(', ')}; got ${JSON.stringify(given)}`);
  }
  return given as EnvironmentProfile;
}

/** Listener-rule priorities on the shared HTTPS listener, beside Teleport's (10): pinned, so adding a service never moves one. */
export const SERVICE_PRIORITIES = { api: PRIORITIES.api, web: PRIORITIES.api + 100 };

/**
 * The Api: the DevOps Agent seed's Node app (port 3000, /health) on the Api's host under /api/*. Until
 * `imageTag` names an image pushed to AppRepo, the bootstrap server answers every path.
 */
export function apiServiceOptions(settings: ZeroTrustSettings, profile: EnvironmentProfile): FargateWebServiceOptions {
  return {
    ...APP_SERVICE_OPTIONS,
    image: BOOTSTRAP_IMAGE,
    command: BOOTSTRAP_COMMAND,
    routing: { hostHeaders: [settings.apiHost], pathPatterns: ['/api/*'], priority: SERVICE_PRIORITIES.api },
    // PRODUCTION scales with load; DEVELOPMENT keeps the seed's two tasks.
    ...(profile === EnvironmentProfile.PRODUCTION ? { autoScaling: { minCapacity: 2, maxCapacity: 6, cpuTargetPercent: 60 } } : {}),
  };
}

/** The web front end: nginx on port 80 for every other path of the Api's host. */
export function webServiceOptions(settings: ZeroTrustSettings): FargateWebServiceOptions {
  return {
    image: API_IMAGE,
    containerPort: 80,
    routing: { hostHeaders: [settings.apiHost], pathPatterns: ['/*'], priority: SERVICE_PRIORITIES.web },
  };
}

/** The worker's stand-in job: log a line a minute and mark itself alive for the container health check. */
export const WORKER_COMMAND = ['node', '-e', [
  "const fs = require('fs');",
  "const tick = () => { fs.writeFileSync('/tmp/alive', String(Date.now())); console.log(JSON.stringify({ job: 'tick', at: new Date().toISOString() })); };",
  'tick(); const timer = setInterval(tick, 60000);',
  "process.on('SIGTERM', () => { clearInterval(timer); process.exit(0); });",
].join('\n')];

/** The queue worker: the same Node image, no load balancer, a health check that the job is alive. */
export function workerServiceOptions(profile: EnvironmentProfile): FargateWorkerServiceOptions {
  return {
    image: BOOTSTRAP_IMAGE,
    command: WORKER_COMMAND,
    cpu: 256,
    memoryMiB: 512,
    desiredCount: 1,
    // Healthy while the job ran in the last three minutes.
    healthCheck: { command: ['CMD-SHELL', 'test $(( $(date +%s) - $(stat -c %Y /tmp/alive) )) -lt 180'] },
    stopTimeoutSeconds: 60,
    ...(profile === EnvironmentProfile.PRODUCTION ? { autoScaling: { minCapacity: 1, maxCapacity: 4, cpuTargetPercent: 70 } } : {}),
  };
}
