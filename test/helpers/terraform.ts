import { readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, Testing, TerraformStack } from 'cdktf';

/** Terraform JSON as synthesised by cdktf (loosely typed: it is data under test). */
export type TfJson = Record<string, any>;

export function tfStack(id = 'test'): { app: App; stack: TerraformStack } {
  const app = Testing.app();
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  return { app, stack };
}

export function tfSynth(stack: TerraformStack): TfJson {
  return JSON.parse(Testing.synth(stack));
}

/**
 * The stack's real cdk.tf.json, as `cdktf synth` writes it: unlike
 * Testing.synth it keeps the "//" comment keys (metadata, acknowledgements).
 */
export function tfSynthFull(stack: TerraformStack): TfJson {
  const outdir = Testing.fullSynth(stack);
  try {
    return JSON.parse(readFileSync(join(outdir, 'stacks', stack.node.id, 'cdk.tf.json'), 'utf8'));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** resource.<type> as [name, config] pairs. */
export function tfResources(json: TfJson, type: string): Array<[string, TfJson]> {
  return Object.entries(json.resource?.[type] ?? {}) as Array<[string, TfJson]>;
}

/** `${aws_x.name.attr}` -> `aws_x.name`, or undefined when not a plain reference. */
export function tfRef(value: unknown): string | undefined {
  const m = typeof value === 'string' ? /^\$\{((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z_]+\}$/.exec(value) : null;
  return m ? m[1] : undefined;
}
