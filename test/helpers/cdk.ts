import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';

/** A fresh app with a throw-away outdir and one env-agnostic stack. */
export function cdkStack(id = 'Test'): { app: App; stack: Stack } {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'epc-cdk-')) });
  return { app, stack: new Stack(app, id) };
}

export function cdkTemplate(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** One unacknowledged finding from cdk-nag or cfn-guard. */
export interface GateFinding {
  readonly plugin: string;
  readonly rule: string;
  readonly description: string;
  readonly paths: string[];
}

/**
 * The quality gates on CDK output: cdk-nag 3 AwsSolutions and the Control
 * Tower proactive controls shipped with @cdklabs/cdk-validator-cfnguard. Synthesises
 * the app and returns every finding that is not acknowledged beside its resource.
 */
export function cdkGateFindings(app: App): GateFinding[] {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new CfnGuardValidator());
  const reportFile = join(app.outdir, 'validation-report.json');
  try {
    app.synth();
  } catch (e) {
    // Findings interrupt synthesis after the report is written; anything else is a real error.
    if (!existsSync(reportFile)) throw e;
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  const findings: GateFinding[] = [];
  for (const plugin of report.pluginReports ?? []) {
    for (const violation of plugin.violations ?? []) {
      findings.push({
        plugin: plugin.pluginName,
        rule: violation.ruleName,
        description: violation.description,
        paths: (violation.violatingConstructs ?? violation.violatingResources ?? []).map(
          (c: { constructPath?: string; resourceLogicalId?: string }) => c.constructPath ?? c.resourceLogicalId ?? '?',
        ),
      });
    }
  }
  rmSync(app.outdir, { recursive: true, force: true });
  return findings;
}

export function formatFindings(findings: GateFinding[]): string {
  return findings.map((f) => `${f.plugin} ${f.rule}: ${f.description}\n    at ${f.paths.join(', ')}`).join('\n');
}
