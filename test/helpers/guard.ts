import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { arch, platform, tmpdir } from 'os';
import { dirname, join } from 'path';
import { TfJson } from './terraform';

/** The project's own Guard rules over Terraform JSON. */
export const TERRAFORM_RULES_DIR = join(__dirname, '..', '..', 'rules', 'terraform');

/** The cfn-guard binary shipped inside @cdklabs/cdk-validator-cfnguard. */
export function cfnGuardBinary(): string {
  const pkg = dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
  const os = platform() === 'darwin' ? 'macos' : 'ubuntu';
  const cpu = arch() === 'arm64' ? 'aarch64' : 'x86_64';
  return join(pkg, 'bin', os, cpu, 'cfn-guard');
}

export interface GuardFinding {
  readonly rule: string;
  readonly messages: string[];
}

/** Run the Terraform Guard rules over a synthesised stack; returns the failed rules. */
export function tfGuardFindings(json: TfJson): GuardFinding[] {
  const dir = mkdtempSync(join(tmpdir(), 'epc-guard-'));
  try {
    const data = join(dir, 'cdk.tf.json');
    writeFileSync(data, JSON.stringify(json));
    const run = spawnSync(cfnGuardBinary(), ['validate', '--rules', TERRAFORM_RULES_DIR, '--data', data,
      '--output-format', 'json', '--show-summary', 'none'], { encoding: 'utf8' });
    // 0: pass, 19: some rule failed; anything else is a broken rule file or binary.
    if (run.status !== 0 && run.status !== 19) {
      throw new Error(`cfn-guard exited ${run.status}: ${run.stderr}${run.stdout}`);
    }
    const report = JSON.parse(run.stdout);
    return report.not_compliant.map((c: any) => ({
      rule: c.Rule.name,
      messages: JSON.stringify(c.Rule.checks).match(/\[TF_[A-Z0-9_]+\][^"\\]*/g) ?? [],
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
