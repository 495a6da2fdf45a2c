import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { PropsValidationError } from '../../src/constructs/validation';
import { cdkStack, formatFindings } from '../helpers/cdk';
import { cdkGatesAndTemplate } from '../helpers/cdk-gates';
import { NGINX } from '../helpers/images';
import { CpuArchitecture } from 'ecs-platform-constructs';
import { FargateWebService, PlatformCluster, PlatformNetwork } from 'ecs-platform-constructs/cdk';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const PARTIAL_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db';

describe('FargateWebService (AWS CDK): the options users expect', () => {
  describe('GIVEN an internal HTTPS load balancer of its own, ARM64, entry point and command, timings, storage, secret objects and later additions', () => {
    let t: Template;
    let findings: string;
    let web: FargateWebService;

    beforeAll(() => {
      const { app, stack } = cdkStack();
      const network = new PlatformNetwork(stack, 'Network');
      const cluster = new PlatformCluster(stack, 'Cluster', { network });
      web = new FargateWebService(stack, 'Web', {
        cluster,
        image: NGINX,
        containerPort: 80,
        loadBalancerOptions: { certificateArn: CERTIFICATE_ARN, internal: true, allowedCidrs: ['10.0.0.0/16', '192.168.0.0/24'] },
        cpuArchitecture: CpuArchitecture.ARM64,
        entryPoint: ['/docker-entrypoint.sh'],
        command: ['nginx', '-g', 'daemon off;'],
        healthCheckGracePeriodSeconds: 120,
        deregistrationDelaySeconds: 10,
        ephemeralStorageGiB: 50,
        secretsFrom: {
          // Imported by name: no full ARN, so IAM needs the suffix wildcard even though the ARN is a token.
          BY_NAME: { secret: secretsmanager.Secret.fromSecretNameV2(stack, 'ByName', 'app/by-name'), jsonKey: 'password' },
          OWNED: { secret: new secretsmanager.Secret(stack, 'Owned', { encryptionKey: new kms.Key(stack, 'SecretKey', { enableKeyRotation: true }) }) },
          FLAG: { parameter: ssm.StringParameter.fromStringParameterName(stack, 'Flag', '/app/flag') },
        },
      });
      web.addEnvironment('DB_HOST', 'db.internal');
      web.addSecret('DB_PASSWORD', { secretsManagerArn: PARTIAL_SECRET_ARN, kmsKeyArn: KEY_ARN });
      const gated = cdkGatesAndTemplate(app, stack);
      t = gated.template;
      // The test's own secret and key (no rotation schedule, no grant restriction) are not the construct's findings.
      findings = formatFindings(gated.findings.filter((f) => !/Test\/(Owned|SecretKey)\//.test(JSON.stringify(f))));
    });

    test('THEN the load balancer is internal, in the private subnets, open to the CIDRs given on 80 and 443', () => {
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
      const lb = Object.values(t.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0];
      expect(JSON.stringify(lb.Properties.Subnets)).toMatch(/PrivateSubnet/);
      const sg = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).find(([id]) => id.startsWith('WebLoadBalancerSecurityGroup'))![1];
      expect(sg.Properties.SecurityGroupIngress.map((r: any) => `${r.CidrIp}:${r.FromPort}`).sort())
        .toEqual(['10.0.0.0/16:443', '10.0.0.0/16:80', '192.168.0.0/24:443', '192.168.0.0/24:80']);
      t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    });

    test('THEN the task runs on ARM64 with 50 GiB of ephemeral storage, the entry point and command given', () => {
      t.hasResourceProperties('AWS::ECS::TaskDefinition', {
        RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
        EphemeralStorage: { SizeInGiB: 50 },
      });
      const container = Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0].Properties.ContainerDefinitions[0];
      expect(container.EntryPoint).toEqual(['/docker-entrypoint.sh']);
      expect(container.Command).toEqual(['nginx', '-g', 'daemon off;']);
      expect(container.Environment).toEqual([{ Name: 'DB_HOST', Value: 'db.internal' }]);
      expect(container.Secrets.map((s: any) => s.Name).sort()).toEqual(['BY_NAME', 'DB_PASSWORD', 'FLAG', 'OWNED']);
      expect(container.Secrets.find((s: any) => s.Name === 'DB_PASSWORD').ValueFrom).toBe(PARTIAL_SECRET_ARN);
    });

    test('THEN ARM64 keeps the service off Fargate Spot even in DEVELOPMENT; the grace period and deregistration delay are the ones given', () => {
      t.hasResourceProperties('AWS::ECS::Service', {
        CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Base: 0, Weight: 1 }],
        HealthCheckGracePeriodSeconds: 120,
      });
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '10' }]),
      });
    });

    test('THEN the execution role reads exactly the secrets: partial ARNs with -??????, the owned secret\'s key through Secrets Manager only', () => {
      const policy = Object.entries(t.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('WebExecutionRole'))![1];
      const statements: any[] = policy.Properties.PolicyDocument.Statement;
      const reads = statements.filter((s) => s.Action === 'secretsmanager:GetSecretValue').flatMap((s) => [].concat(s.Resource));
      const text = JSON.stringify(reads);
      expect(reads).toContain(`${PARTIAL_SECRET_ARN}-??????`);
      // The by-name import: its token ARN ends in the name, and the policy adds the wildcard suffix.
      expect(text).toMatch(/secret:app\/by-name-\?\?\?\?\?\?"/);
      expect(text).toMatch(/"Ref":"Owned/);
      expect(JSON.stringify(statements.filter((s) => s.Action === 'ssm:GetParameters'))).toMatch(/parameter\/app\/flag/);
      const decrypts = statements.filter((s) => s.Action === 'kms:Decrypt');
      expect(decrypts.map((s) => s.Condition)).toEqual(expect.arrayContaining([
        { StringEquals: { 'kms:ViaService': [{ 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] }] } },
      ]));
      expect(JSON.stringify(decrypts)).toContain(KEY_ARN);
      expect(JSON.stringify(decrypts)).toMatch(/SecretKey/);
    });

    test('THEN the gates pass', () => {
      expect(findings).toBe('');
    });

    test('THEN adding a name twice, or a bad one, is one clear error naming each problem', () => {
      expect(() => web.addEnvironment('DB_HOST', 'x')).toThrow(PropsValidationError);
      expect(() => web.addEnvironment('DB_HOST', 'x')).toThrow(/FargateWebService.addEnvironment at 'Test\/Web'.*\n.*name: got "DB_HOST"; expected a name the service does not have yet/);
      expect(() => web.addEnvironment('9X', 5 as unknown as string)).toThrow(/\(2 problems\):\n {2}- name: got "9X".*\n {2}- value: got 5; expected a string/);
      expect(() => web.addSecret('FLAG', { secretsManagerArn: PARTIAL_SECRET_ARN })).toThrow(/name: got "FLAG"/);
      expect(() => web.addSecret('NEW', { secretsManagerArn: PARTIAL_SECRET_ARN, jsonKey: 'a:b' })).toThrow(/secrets\.NEW\.jsonKey: got "a:b"; expected a non-empty JSON key without ":"/);
    });
  });

  test('GIVEN secretsFrom with both a secret and a parameter, or neither THEN one error names each', () => {
    const { stack } = cdkStack();
    const network = new PlatformNetwork(stack, 'Network');
    const cluster = new PlatformCluster(stack, 'Cluster', { network });
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'x');
    const parameter = ssm.StringParameter.fromStringParameterName(stack, 'P', '/x');
    expect(() => new FargateWebService(stack, 'Web', { cluster, image: NGINX, secretsFrom: { BOTH: { secret, parameter }, NONE: {} } }))
      .toThrow(/\(2 problems\):\n {2}- secretsFrom\.BOTH: .*exactly one of secret or parameter\n {2}- secretsFrom\.NONE: /);
  });
});
