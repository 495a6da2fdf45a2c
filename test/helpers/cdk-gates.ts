import { readFileSync } from 'fs';
import { basename } from 'path';
import { App, IPolicyValidationContextBeta1, IPolicyValidationPluginBeta1, PolicyValidationPluginReportBeta1, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { cdkGateFindings, GateFinding } from './cdk';

/**
 * Run the quality gates (cdkGateFindings) AND keep the stack's template for
 * fine-grained assertions, from one synthesis (each costs about a second).
 *
 * `Template.fromStack` before `cdkGateFindings` would synthesise the app
 * without the validation plugins (the later synth is then a cached no-op that
 * reports nothing); after it the output directory is gone. A pass-through
 * validation plugin reads the template while the gates run.
 */
export function cdkGatesAndTemplate(app: App, stack: Stack): { findings: GateFinding[]; template: Template } {
  const capture = new TemplateCapture(stack.templateFile);
  Validations.of(app).addPlugins(capture);
  const findings = cdkGateFindings(app);
  if (!capture.template) throw new Error(`no template for ${stack.stackName} among the validated templates`);
  return { findings, template: Template.fromJSON(capture.template) };
}

class TemplateCapture implements IPolicyValidationPluginBeta1 {
  public readonly name = 'template-capture';
  public template?: Record<string, unknown>;

  constructor(private readonly templateFile: string) {}

  public validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const path = context.templatePaths.find((p) => basename(p) === this.templateFile);
    if (path) this.template = JSON.parse(readFileSync(path, 'utf8'));
    return { success: true, violations: [] };
  }
}
