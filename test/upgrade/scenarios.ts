/**
 * The construct configurations whose synthesised output is pinned as golden
 * files. Add a scenario for every construct and every profile it supports;
 * never rename one (its golden file is the upgrade baseline).
 */
import { Stack } from 'aws-cdk-lib';
import { TerraformStack } from 'cdktf';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import * as cdk from 'ecs-platform-constructs/cdk';
import * as cdktf from 'ecs-platform-constructs/cdktf';

export interface GoldenScenario {
  /** `<construct>/<case>`, also the golden file name. */
  readonly name: string;
  readonly cdk: (stack: Stack) => void;
  readonly cdktf: (stack: TerraformStack) => void;
}

export const SCENARIOS: GoldenScenario[] = [
  {
    name: 'platform-network/development',
    cdk: (s) => new cdk.PlatformNetwork(s, 'Network'),
    cdktf: (s) => new cdktf.PlatformNetwork(s, 'Network'),
  },
  {
    name: 'platform-network/production',
    cdk: (s) => new cdk.PlatformNetwork(s, 'Network', { profile: EnvironmentProfile.PRODUCTION, maxAzs: 3 }),
    cdktf: (s) => new cdktf.PlatformNetwork(s, 'Network', { profile: EnvironmentProfile.PRODUCTION, maxAzs: 3 }),
  },
];
