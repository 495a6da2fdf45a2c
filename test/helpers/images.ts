/**
 * The container images test fixtures and examples run, pinned, with what each
 * one serves: the port it listens on and the paths that answer 2xx/3xx. The
 * deployability rule "services can become healthy" reads every service's
 * image, command, container port and health-check path against this table.
 */

/** nginx: port 80; `/` answers 200 (its welcome page), other paths 404. */
export const NGINX = 'public.ecr.aws/docker/library/nginx:1.27.5';
/** Apache httpd: port 80; `/` answers 200 ("It works!"), other paths 404. */
export const HTTPD = 'public.ecr.aws/docker/library/httpd:2.4.63';
/** Node.js: runs no server by itself; with NODE_HTTP_SERVER it answers every path with 200. */
export const NODE = 'public.ecr.aws/docker/library/node:22.14.0-alpine';

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
    case NODE: {
      const listen = cmd && /createServer\(.*\)\.listen\((\d+)\)/.exec(cmd);
      return listen ? { port: Number(listen[1]), answers: () => true } : { problem: `${image} runs no server without a server command` };
    }
    default:
      return { problem: `image ${image} is not in test/helpers/images.ts: add what it serves` };
  }
}
