import { App, Stack } from 'aws-cdk-lib';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import * as cdk from 'ecs-platform-constructs/cdk';
import * as cdktf from 'ecs-platform-constructs/cdktf';

const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/abc-123';
const github = (roles: string[]) => ({ clientId: 'Iv1.abc', clientSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:teleport/github-AbCdEf', organization: 'my-org', teamsToRoles: [{ team: 'platform', roles }] });

function show(label: string, f: () => void) {
  try { f(); console.log(label, 'OK'); } catch (e: any) { console.log(label, e.constructor.name, e.name, JSON.stringify(e.message).slice(0, 600), e.problems ? JSON.stringify(e.problems.map((p: any) => p.prop)) : ''); }
}

test('cdk', () => {
  const app = new App({ outdir: '/tmp/probe-cdk' , builtinCloudFormationValidation: false } as any);
  const stack = new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
  const network = new cdk.PlatformNetwork(stack, 'N', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const cluster = new cdk.PlatformCluster(stack, 'C', { network });
  const lb = new cdk.PlatformLoadBalancer(stack, 'L', { network, certificateArn: CERT });
  const db = new cdk.ManagedDatabase(stack, 'Db', { network });
  const tp = new cdk.TeleportCluster(stack, 'T', { cluster, loadBalancer: lb, domainName: 'teleport.example.com', github: github(['access', 'db-missing']) });
  show('addDatabase', () => tp.addDatabase(db, { users: ['app'] }));
  show('synth', () => app.synth());
});

test('cdktf', () => {
  const app = Testing.app({ outdir: '/tmp/probe-tf' } as any);
  const stack = new TerraformStack(app, 'S');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  const network = new cdktf.PlatformNetwork(stack, 'N', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const cluster = new cdktf.PlatformCluster(stack, 'C', { network });
  const lb = new cdktf.PlatformLoadBalancer(stack, 'L', { network, certificateArn: CERT });
  const db = new cdktf.ManagedDatabase(stack, 'Db', { network });
  const tp = new cdktf.TeleportCluster(stack, 'T', { cluster, loadBalancer: lb, domainName: 'teleport.example.com', github: github(['access', 'db-missing']) });
  show('addDatabase', () => tp.addDatabase(db, { users: ['app'] }));
  show('synth', () => Testing.synth(stack, true));
});
