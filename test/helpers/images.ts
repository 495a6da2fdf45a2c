/**
 * The container images test fixtures and examples run, pinned, with what each
 * one serves: the port it listens on and the paths that answer 2xx/3xx. The
 * deployability rule "services can become healthy" reads every service's
 * image, command, container port and health-check path against this table.
 */
import { TELEPORT_VERSION } from 'ecs-platform-constructs';

/** nginx: port 80; `/` answers 200 (its welcome page), other paths 404. */
export const NGINX = 'public.ecr.aws/docker/library/nginx:1.27.5';
/** Apache httpd: port 80; `/` answers 200 ("It works!"), other paths 404. */
export const HTTPD = 'public.ecr.aws/docker/library/httpd:2.4.63';
/** Node.js: runs no server by itself; with NODE_HTTP_SERVER it answers every path with 200. */
export const NODE = 'public.ecr.aws/docker/library/node:22.14.0-alpine';

/**
 * OpenOps' app (github.com/openops-cloud/openops, release 0.6.25, published by its release workflow):
 * nginx in the image serves the UI on port 80 (`/` answers 200) and proxies `/api/` to the server,
 * which answers `/api/v1/health` with 200 once its PostgreSQL, Redis and openops-tables are reachable
 * (without them the server exits at start: examples/openops-finops runs no task until they are named).
 */
export const OPENOPS_APP = 'public.ecr.aws/openops/openops-app:0.6.25';

/**
 * Teleport, as TeleportCluster runs it (the version the library pins): with the `--config` the
 * config container writes, the proxy serves HTTPS on its web port 3080 and answers `/webapi/ping`
 * with 200 once it is up.
 */
export const TELEPORT = `public.ecr.aws/gravitational/teleport-distroless:${TELEPORT_VERSION}`;

/** A one-line HTTP server for the Node.js image: 200 "ok" on every path, on `port`. */
export function nodeHttpServer(port: number): string[] {
  return ['node', '-e', `require('http').createServer((req, res) => res.end('ok')).listen(${port})`];
}

/** What a container serves: the port it listens on, and whether a path answers healthy. */
export interface Served {
  readonly port: number;
  readonly answers: (path: string) => boolean;
}

/**
 * What `image` run with `command` serves, or a reason it is unknown or serves
 * nothing. Images must be pinned to a full version: a floating tag (`latest`,
 * `1.27`) can change what runs between two deployments of the same template.
 */
export function servedBy(image: unknown, command: unknown): Served | { problem: string } {
  if (typeof image !== 'string') return { problem: `image ${JSON.stringify(image)} is not a literal reference` };
  if (!/:\d+\.\d+\.\d+[^:/]*$|@sha256:[0-9a-f]{64}$/.test(image)) return { problem: `image ${image} is not pinned to a full version or digest` };
  const cmd = Array.isArray(command) ? command.join(' ') : undefined;
  switch (image) {
    case NGINX:
    case HTTPD:
      return cmd === undefined ? { port: 80, answers: (p) => p === '/' } : { problem: `${image} with a command override serves nothing known` };
    case OPENOPS_APP:
      return cmd === undefined ? { port: 80, answers: (p) => p === '/' || p === '/api/v1/health' } : { problem: `${image} with a command override serves nothing known` };
    case TELEPORT:
      return cmd?.startsWith('--config /etc/teleport/teleport.yaml') ? { port: 3080, answers: (p) => p === '/webapi/ping' }
        : { problem: `${image} without TeleportCluster's --config serves nothing known` };
    case NODE: {
      const listen = cmd && /createServer\(.*\)\.listen\((\d+)\)/.exec(cmd);
      return listen ? { port: Number(listen[1]), answers: () => true } : { problem: `${image} runs no server without a server command` };
    }
    default:
      return { problem: `image ${image} is not in test/helpers/images.ts: add what it serves` };
  }
}

/** A service of an output whose tasks could never become healthy, and why. */
export interface UnhealthyService {
  readonly service: string;
  readonly problem: string;
}

type Json = any;
const first = (v: unknown): Json => (Array.isArray(v) ? v[0] : v);

/**
 * Services (CloudFormation or Terraform output) whose container does not serve
 * its container port, or does not answer the target group's health-check path,
 * judged by `servedBy`. For examples and test fixtures, whose images are known.
 */
export function unhealthyServices(output: Json, engine: 'cdk' | 'cdktf'): UnhealthyService[] {
  const found: UnhealthyService[] = [];
  const services: Array<[string, Json]> = engine === 'cdk'
    ? Object.entries<Json>(output.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::ECS::Service').map(([id, r]) => [id, r.Properties])
    : Object.entries<Json>(output.resource?.aws_ecs_service ?? {}).map(([name, r]) => [`aws_ecs_service.${name}`, r]);
  const cfnRef = (v: Json): string | undefined => v?.Ref ?? v?.['Fn::GetAtt']?.[0];
  const tfRef = (v: unknown, type: string): Json => {
    const m = typeof v === 'string' ? new RegExp(`^\\$\\{${type}\\.([^.]+)\\.[a-z_]+\\}$`).exec(v) : null;
    return m ? output.resource?.[type]?.[m[1]] : undefined;
  };
  for (const [id, service] of services) {
    const container = engine === 'cdk'
      ? first(output.Resources[cfnRef(service.TaskDefinition)!]?.Properties.ContainerDefinitions)
      : first(JSON.parse(tfRef(service.task_definition, 'aws_ecs_task_definition')?.container_definitions ?? '[]'));
    const image = engine === 'cdk' ? container?.Image : container?.image;
    const command = engine === 'cdk' ? container?.Command : container?.command;
    const port = engine === 'cdk' ? first(container?.PortMappings)?.ContainerPort : first(container?.portMappings)?.containerPort;
    const behindLoadBalancer = (engine === 'cdk' ? first(service.LoadBalancers) : first(service.load_balancer)) !== undefined;
    // A worker (no port, no load balancer) serves nothing: its container health check is what ECS judges.
    if (port === undefined && !behindLoadBalancer) continue;
    const served = servedBy(image, command);
    if ('problem' in served) {
      found.push({ service: id, problem: served.problem });
      continue;
    }
    if (served.port !== port) found.push({ service: id, problem: `${image} serves port ${served.port}, the container port is ${port}` });
    const targetGroupRef = engine === 'cdk' ? first(service.LoadBalancers)?.TargetGroupArn : first(service.load_balancer)?.target_group_arn;
    if (targetGroupRef === undefined) continue;
    const path = engine === 'cdk'
      ? output.Resources[cfnRef(targetGroupRef)!]?.Properties.HealthCheckPath ?? '/'
      : tfRef(targetGroupRef, 'aws_lb_target_group')?.health_check?.path ?? '/';
    if (!served.answers(path)) found.push({ service: id, problem: `${image} does not answer the health check on ${path}` });
  }
  return found;
}
