/**
 * `terraform validate` over cdktf output, where a terraform binary and a local
 * mirror of the AWS provider exist (no registry is reachable from CI here).
 * `terraformAvailability()` says why not when they don't, so tests can skip
 * with a visible reason.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { arch, homedir, platform, tmpdir } from 'os';
import { join } from 'path';
import { TfJson } from './terraform';

const AWS_PROVIDER = join('registry.terraform.io', 'hashicorp', 'aws');

export interface TerraformAvailability {
  readonly available: boolean;
  readonly reason: string;
  readonly mirror?: string;
  readonly providerVersion?: string;
}

function mirrorCandidates(): string[] {
  const found: string[] = [];
  const configFile = process.env.TF_CLI_CONFIG_FILE ?? join(homedir(), '.terraformrc');
  if (existsSync(configFile)) {
    const text = readFileSync(configFile, 'utf8');
    for (const m of text.matchAll(/filesystem_mirror\s*\{[^}]*path\s*=\s*"([^"]+)"/g)) found.push(m[1]);
    for (const m of text.matchAll(/plugin_cache_dir\s*=\s*"([^"]+)"/g)) found.push(m[1]);
  }
  const xdg = process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share');
  found.push(
    join(homedir(), '.terraform.d', 'plugins'),
    join(xdg, 'terraform', 'plugins'),
    '/usr/local/share/terraform/plugins',
    '/usr/share/terraform/plugins',
    '/opt/tf-plugins',
  );
  return found;
}

function newestVersion(versions: string[]): string | undefined {
  const key = (v: string) => v.split('.').map((n) => n.padStart(6, '0')).join('.');
  return versions.filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort((a, b) => key(b).localeCompare(key(a)))[0];
}

let cached: TerraformAvailability | undefined;

export function terraformAvailability(): TerraformAvailability {
  if (cached) return cached;
  const version = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    return (cached = { available: false, reason: 'no terraform binary on PATH' });
  }
  const osArch = `${platform()}_${arch() === 'x64' ? 'amd64' : arch()}`;
  for (const dir of mirrorCandidates()) {
    const providerDir = join(dir, AWS_PROVIDER);
    if (!existsSync(providerDir)) continue;
    const v = newestVersion(readdirSync(providerDir).filter((d) => existsSync(join(providerDir, d, osArch))));
    if (v) return (cached = { available: true, reason: `terraform with AWS provider ${v} mirrored at ${dir}`, mirror: dir, providerVersion: v });
  }
  return (cached = {
    available: false,
    reason: `terraform is on PATH but no local mirror of ${AWS_PROVIDER} for ${osArch} was found (looked in ${mirrorCandidates().join(', ')})`,
  });
}

export interface ValidateResult {
  readonly valid: boolean;
  readonly errors: string[];
  readonly warnings: string[];
  /** The awscc resources left out of validation (no awscc provider is mirrored here). */
  readonly skippedAwscc: string[];
}

/**
 * The stack without its `awscc` provider, resources and references: no awscc
 * provider is mirrored here, so `terraform validate` can only check the rest.
 * References to an awscc resource become a placeholder string (an ARN, an ID).
 * Tests check the awscc resources against the binding's declared attributes instead.
 */
export function withoutAwscc(stackJson: TfJson): { json: TfJson; skipped: string[] } {
  const json = JSON.parse(JSON.stringify(stackJson));
  const skipped: string[] = [];
  for (const type of Object.keys(json.resource ?? {}).filter((t) => t.startsWith('awscc_'))) {
    skipped.push(...Object.keys(json.resource[type]).map((name) => `${type}.${name}`));
    delete json.resource[type];
  }
  delete json.provider?.awscc;
  delete json.terraform?.required_providers?.awscc;
  const strip = (value: unknown): unknown => {
    if (typeof value === 'string') return value.includes('${awscc_') ? 'awscc-reference-not-validated' : value;
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => [k, k === 'depends_on' && Array.isArray(v) ? v.filter((d) => !String(d).startsWith('awscc_')) : strip(v)]));
    }
    return value;
  };
  return { json: strip(json) as TfJson, skipped };
}

/** `terraform init -backend=false && terraform validate` on one stack's JSON. */
export function terraformValidate(stackJson: TfJson): ValidateResult {
  return terraformValidateAll({ stack: stackJson }).stack;
}

/**
 * `terraform validate` of several stacks at once: each becomes a module of one
 * root configuration, so the provider's schema (a 675 MB binary, about 5 s to
 * load) is read once, and every diagnostic is attributed to its stack by file.
 */
export function terraformValidateAll(stacks: Record<string, TfJson>): Record<string, ValidateResult> {
  const tf = terraformAvailability();
  if (!tf.available) throw new Error(tf.reason);
  const dir = mkdtempSync(join(tmpdir(), 'epc-tf-'));
  const names = Object.keys(stacks);
  try {
    const skipped: Record<string, string[]> = {};
    names.forEach((name, i) => {
      const stripped = withoutAwscc(stacks[name]);
      const json = stripped.json as any;
      skipped[name] = stripped.skipped;
      // Our bindings target provider 6.x; validate against the mirrored version.
      if (json.terraform?.required_providers?.aws) json.terraform.required_providers.aws.version = tf.providerVersion;
      delete json.terraform?.backend;
      mkdirSync(join(dir, `stack${i}`));
      writeFileSync(join(dir, `stack${i}`, 'cdk.tf.json'), JSON.stringify(json, null, 2));
    });
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ module: Object.fromEntries(names.map((_, i) => [`stack${i}`, { source: `./stack${i}` }])) }));
    const cliConfig = join(dir, 'terraform.rc');
    writeFileSync(cliConfig, [
      'provider_installation {',
      `  filesystem_mirror {\n    path = ${JSON.stringify(tf.mirror)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }`,
      '  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }',
      '}',
    ].join('\n'));
    const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_INPUT: '0' };
    const init = spawnSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], { cwd: dir, env, encoding: 'utf8' });
    if (init.status !== 0) {
      const errors = [`terraform init failed:\n${init.stdout}${init.stderr}`];
      return Object.fromEntries(names.map((name) => [name, { valid: false, errors, warnings: [], skippedAwscc: skipped[name] }]));
    }
    const validate = spawnSync('terraform', ['validate', '-json', '-no-color'], { cwd: dir, env, encoding: 'utf8' });
    const report = JSON.parse(validate.stdout);
    const format = (d: any) => `${d.summary}${d.detail ? `: ${d.detail}` : ''}${d.address ? ` (${d.address})` : ''}`;
    const of = (i: number, severity: string) => (report.diagnostics ?? [])
      .filter((d: any) => d.severity === severity && (d.range?.filename ?? '').startsWith(`stack${i}/`)).map(format);
    const unattributed = (report.diagnostics ?? []).filter((d: any) => d.severity === 'error' && !/^stack\d+\//.test(d.range?.filename ?? ''));
    return Object.fromEntries(names.map((name, i) => {
      const errors = [...of(i, 'error'), ...unattributed.map(format)];
      return [name, { valid: errors.length === 0, errors, warnings: of(i, 'warning'), skippedAwscc: skipped[name] }];
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What a Terraform expression of a synthesised stack evaluates to when the
 * stack is planned in `region`: `terraform console` over the stack's locals,
 * with every data.aws_region read replaced by the region and every other
 * resource or data reference by a `<address.attr>` placeholder. Needs only the
 * terraform binary (no provider): evaluating locals reads no AWS API.
 */
export function evaluateTerraform(stackJson: TfJson, expression: string, region: string): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'epc-tf-eval-'));
  const substitute = (text: string) => text
    .replace(/data\.aws_region\.[A-Za-z0-9_-]+\.name/g, JSON.stringify(region))
    .replace(/\$\{((?:data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_-]+\.[a-z_]+)\}/g, '<$1>');
  try {
    const locals = JSON.parse(substitute(JSON.stringify(stackJson.locals ?? {}).replace(/data\.aws_region\.[A-Za-z0-9_-]+\.name/g,
      JSON.stringify(region).replace(/"/g, '\\"'))));
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ locals }));
    const body = /^\$\{([\s\S]*)\}$/.exec(expression)?.[1] ?? JSON.stringify(expression);
    const run = spawnSync('terraform', ['console'], {
      cwd: dir,
      input: `jsonencode(${substitute(body)})\n`,
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: join(dir, 'none.rc'), CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
    });
    if (run.status !== 0) throw new Error(`terraform console failed:\n${run.stdout}${run.stderr}`);
    return JSON.parse(JSON.parse(run.stdout.trim()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether a terraform binary is on PATH (enough for evaluateTerraform). */
export function terraformBinaryAvailable(): boolean {
  const version = spawnSync('terraform', ['version'], { encoding: 'utf8' });
  return !version.error && version.status === 0;
}
