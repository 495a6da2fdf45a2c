import { PropsValidationError } from '../../src/constructs/validation';
import { NGINX } from '../helpers/images';
import { TfJson, tfStack, tfSynthFull } from '../helpers/terraform';
import { tfContainers, tfPolicy, tfResourceAt } from '../helpers/tf-platform';
import { CpuArchitecture } from 'ecs-platform-constructs';
import { FargateWebService, PlatformCluster, PlatformNetwork } from 'ecs-platform-constructs/cdktf';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const PARTIAL_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db';
const PARAMETER_ARN = 'arn:aws:ssm:eu-west-1:111122223333:parameter/app/flag';

describe('FargateWebService (CDK for Terraform): the options users expect', () => {
  describe('GIVEN an internal HTTPS load balancer of its own, ARM64, entry point and command, timings, storage and later additions', () => {
    const { stack } = tfStack();
    const network = new PlatformNetwork(stack, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
    const cluster = new PlatformCluster(stack, 'Cluster', { network });
    const web = new FargateWebService(stack, 'Web', {
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
      secrets: { FLAG: { ssmParameterArn: PARAMETER_ARN } },
    });
    web.addEnvironment('DB_HOST', 'db.internal');
    web.addSecret('DB_PASSWORD', { secretsManagerArn: PARTIAL_SECRET_ARN, kmsKeyArn: KEY_ARN });
    const json: TfJson = tfSynthFull(stack);

    test('THEN the load balancer is internal, in the private subnets, open to the CIDRs given on 80 and 443', () => {
      const lb = tfResourceAt(json, 'aws_lb', 'Web/LoadBalancer/LoadBalancer');
      expect(lb.internal).toBe(true);
      expect(JSON.stringify(lb.subnets)).toMatch(/PrivateSubnet/);
      expect(lb.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_policy\./)]);
      const rules = Object.values(json.resource.aws_vpc_security_group_ingress_rule as Record<string, TfJson>)
        .filter((r) => r.cidr_ipv4 !== undefined).map((r) => `${r.cidr_ipv4}:${r.from_port}`).sort();
      expect(rules).toEqual(['10.0.0.0/16:443', '10.0.0.0/16:80', '192.168.0.0/24:443', '192.168.0.0/24:80']);
    });

    test('THEN the task runs on ARM64 with 50 GiB of ephemeral storage, the entry point and command given, and the later additions', () => {
      const taskDefinition = tfResourceAt(json, 'aws_ecs_task_definition', 'Web/TaskDefinition');
      expect(taskDefinition.runtime_platform).toEqual({ operating_system_family: 'LINUX', cpu_architecture: 'ARM64' });
      expect(taskDefinition.ephemeral_storage).toEqual({ size_in_gib: 50 });
      const [container] = tfContainers(taskDefinition);
      expect(container.entryPoint).toEqual(['/docker-entrypoint.sh']);
      expect(container.command).toEqual(['nginx', '-g', 'daemon off;']);
      expect(container.environment).toEqual([{ name: 'DB_HOST', value: 'db.internal' }]);
      expect(container.secrets).toEqual([{ name: 'FLAG', valueFrom: PARAMETER_ARN }, { name: 'DB_PASSWORD', valueFrom: PARTIAL_SECRET_ARN }]);
    });

    test('THEN ARM64 keeps the service off Fargate Spot even in DEVELOPMENT; the grace period and deregistration delay are the ones given', () => {
      const service = tfResourceAt(json, 'aws_ecs_service', 'Web/Service');
      expect(service.capacity_provider_strategy).toEqual([{ capacity_provider: 'FARGATE', base: 0, weight: 1 }]);
      expect(service.health_check_grace_period_seconds).toBe(120);
      expect(tfResourceAt(json, 'aws_lb_target_group', 'Web/TargetGroup').deregistration_delay).toBe('10');
    });

    test('THEN the execution role reads exactly the secrets: the partial ARN with -??????, its key through Secrets Manager only', () => {
      const statements = tfPolicy(tfResourceAt(json, 'aws_iam_role_policy', 'Web/ExecutionRolePolicy')).Statement;
      expect(statements).toEqual(expect.arrayContaining([
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [`${PARTIAL_SECRET_ARN}-??????`] },
        { Effect: 'Allow', Action: 'ssm:GetParameters', Resource: [PARAMETER_ARN] },
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: KEY_ARN,
          Condition: { StringEquals: { 'kms:ViaService': [expect.stringMatching(/^secretsmanager\.\$\{data\.aws_region\.[^.]+\.name\}\.\$\{data\.aws_partition\.[^.]+\.dns_suffix\}$/)] } },
        },
      ]));
    });

    test('THEN adding a name twice, or a bad one, is one clear error naming each problem', () => {
      expect(() => web.addEnvironment('DB_HOST', 'x')).toThrow(PropsValidationError);
      expect(() => web.addEnvironment('DB_HOST', 'x')).toThrow(/FargateWebService.addEnvironment at 'test\/Web'.*\n.*name: got "DB_HOST"; expected a name the service does not have yet/);
      expect(() => web.addEnvironment('9X', 5 as unknown as string)).toThrow(/\(2 problems\):\n {2}- name: got "9X".*\n {2}- value: got 5; expected a string/);
      expect(() => web.addSecret('FLAG', { secretsManagerArn: PARTIAL_SECRET_ARN })).toThrow(/name: got "FLAG"/);
      expect(() => web.addSecret('NEW', { secretsManagerArn: PARTIAL_SECRET_ARN, jsonKey: 'a:b' })).toThrow(/secrets\.NEW\.jsonKey: got "a:b"; expected a non-empty JSON key without ":"/);
    });
  });
});
