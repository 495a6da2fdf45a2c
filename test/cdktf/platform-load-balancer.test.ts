import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { ELB_LOG_DELIVERY_ACCOUNTS } from '../../src/constructs/policies';
import { TfJson, tfResources, tfStack, tfSynthFull } from '../helpers/terraform';
import { evaluateTerraform, terraformBinaryAvailable } from '../helpers/terraform-cli';
import { describeTfGates } from '../helpers/tf-gates';
import { tfAcknowledgements, tfAddress, tfRefTo, tfResourceAt } from '../helpers/tf-platform';
import { EnvironmentProfile, PlatformLoadBalancerOptions } from 'ecs-platform-constructs';
import { PlatformLoadBalancer, PlatformNetwork } from 'ecs-platform-constructs/cdktf';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
const DOMAIN = { domainName: 'app.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' };

function loadBalancer(options: PlatformLoadBalancerOptions = {}, networkProfile?: EnvironmentProfile) {
  const { stack } = tfStack();
  const network = new PlatformNetwork(stack, 'Network', { profile: networkProfile, availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const lb = new PlatformLoadBalancer(stack, 'Lb', { network, ...options });
  return { stack, network, lb };
}

/** [port, cidr] of every ingress rule on the load balancer's security group. */
function ingress(json: TfJson): Array<[number, string]> {
  const sg = tfRefTo(json, 'aws_security_group', 'Lb/SecurityGroup', 'id');
  return tfResources(json, 'aws_vpc_security_group_ingress_rule')
    .filter(([, r]) => r.security_group_id === sg)
    .map(([, r]): [number, string] => {
      expect(r).toMatchObject({ ip_protocol: 'tcp', to_port: r.from_port, description: expect.stringContaining(`${r.from_port}`) });
      return [r.from_port, r.cidr_ipv4];
    })
    .sort();
}

const notFound = [{ type: 'fixed-response', fixed_response: { status_code: '404', content_type: 'text/plain', message_body: 'Not Found' } }];

describe('PlatformLoadBalancer (CDK for Terraform)', () => {
  test('GIVEN defaults THEN an internet-facing ALB in the public subnets with only HTTP 80 answering 404', () => {
    const { stack, lb } = loadBalancer();
    const json = tfSynthFull(stack);

    const alb = tfResourceAt(json, 'aws_lb', 'Lb/LoadBalancer');
    expect(alb).toMatchObject({
      load_balancer_type: 'application',
      internal: false,
      subnets: [expect.stringMatching(/aws_subnet\.Network_PublicSubnet1_/), expect.stringMatching(/aws_subnet\.Network_PublicSubnet2_/)],
      security_groups: [tfRefTo(json, 'aws_security_group', 'Lb/SecurityGroup', 'id')],
      drop_invalid_header_fields: true,
      desync_mitigation_mode: 'defensive',
      idle_timeout: 60,
      enable_deletion_protection: false,
      access_logs: { bucket: tfRefTo(json, 'aws_s3_bucket', 'Lb/AccessLogs', 'bucket'), prefix: 'alb', enabled: true },
      tags: { 'platform:profile': 'DEVELOPMENT' },
      // Access logs are checked when switched on: the bucket policy must be in place first; and an
      // internet-facing load balancer fails ("VPC has no internet gateway") before the gateway and routes exist.
      depends_on: [
        tfAddress(json, 'aws_s3_bucket_policy', 'Lb/AccessLogsPolicy'),
        tfAddress(json, 'aws_internet_gateway', 'Network/InternetGateway'),
        tfAddress(json, 'aws_route', 'Network/PublicSubnet1DefaultRoute'),
        tfAddress(json, 'aws_route', 'Network/PublicSubnet2DefaultRoute'),
        tfAddress(json, 'aws_route_table_association', 'Network/PublicSubnet1RouteTableAssociation'),
        tfAddress(json, 'aws_route_table_association', 'Network/PublicSubnet2RouteTableAssociation'),
      ],
    });

    expect(tfResources(json, 'aws_lb_listener')).toHaveLength(1);
    const http = tfResourceAt(json, 'aws_lb_listener', 'Lb/HttpListener');
    expect(http).toMatchObject({ port: 80, protocol: 'HTTP', default_action: notFound });
    expect(tfAcknowledgements(http)).toEqual({ TF_LB_HTTP_REDIRECTS_TO_HTTPS: expect.stringMatching(/No certificateArn or domain/) });
    expect(lb.listener).toBe(lb.httpListener);
    expect(lb.httpsListener).toBeUndefined();
    expect(lb.certificate).toBeUndefined();
    expect(tfResources(json, 'aws_acm_certificate')).toHaveLength(0);
    expect(tfResources(json, 'aws_route53_record')).toHaveLength(0);
  });

  test('GIVEN defaults THEN the security group takes port 80 from anywhere and has no egress until a service adds it', () => {
    const { stack } = loadBalancer();
    const json = tfSynthFull(stack);
    expect(ingress(json)).toEqual([[80, '0.0.0.0/0']]);
    expect(tfResourceAt(json, 'aws_security_group', 'Lb/SecurityGroup').egress).toBeUndefined();
    expect(tfResourceAt(json, 'aws_security_group', 'Lb/SecurityGroup').ingress).toBeUndefined();
    expect(tfResources(json, 'aws_vpc_security_group_egress_rule')).toHaveLength(0);
  });

  test('GIVEN allowedCidrs THEN each listener port is open to exactly those CIDRs', () => {
    const { stack } = loadBalancer({ certificateArn: CERTIFICATE_ARN, allowedCidrs: ['203.0.113.0/24', '198.51.100.7/32'] });
    expect(ingress(tfSynthFull(stack))).toEqual([
      [443, '198.51.100.7/32'], [443, '203.0.113.0/24'], [80, '198.51.100.7/32'], [80, '203.0.113.0/24'],
    ]);
  });

  test('the access-log bucket is SSE-S3 encrypted, private, owner-enforced, TLS-only, expiring and writable by ELB log delivery', () => {
    const { stack } = loadBalancer();
    const json = tfSynthFull(stack);
    const bucketId = tfRefTo(json, 'aws_s3_bucket', 'Lb/AccessLogs', 'id');
    const bucketArn = tfRefTo(json, 'aws_s3_bucket', 'Lb/AccessLogs', 'arn');

    expect(tfResourceAt(json, 'aws_s3_bucket', 'Lb/AccessLogs')).toMatchObject({ force_destroy: true });
    expect(tfResourceAt(json, 'aws_s3_bucket', 'Lb/AccessLogs').lifecycle).toBeUndefined();
    expect(tfResourceAt(json, 'aws_s3_bucket_server_side_encryption_configuration', 'Lb/AccessLogsEncryption')).toMatchObject({
      bucket: bucketId, rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }],
    });
    expect(tfResourceAt(json, 'aws_s3_bucket_public_access_block', 'Lb/AccessLogsPublicAccessBlock')).toMatchObject({
      bucket: bucketId, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
    });
    expect(tfResourceAt(json, 'aws_s3_bucket_ownership_controls', 'Lb/AccessLogsOwnership')).toMatchObject({
      bucket: bucketId, rule: { object_ownership: 'BucketOwnerEnforced' },
    });
    expect(tfResourceAt(json, 'aws_s3_bucket_lifecycle_configuration', 'Lb/AccessLogsLifecycle')).toMatchObject({
      bucket: bucketId, rule: [{ status: 'Enabled', expiration: [{ days: 30 }] }],
    });

    // The policy is chosen at plan time from the provider's region: with the regional ELB account where
    // the region has one, the log-delivery service alone elsewhere; never data.aws_elb_service_account,
    // which fails at plan time in regions opened since 2022.
    const policyResource = tfResourceAt(json, 'aws_s3_bucket_policy', 'Lb/AccessLogsPolicy');
    expect(policyResource.bucket).toBe(bucketId);
    expect(JSON.stringify(json)).not.toContain('aws_elb_service_account');
    const m = /^\$\{contains\(keys\(local\.EcsPlatformElbLogDeliveryAccounts\), data\.aws_region\.[^.]+\.name\) \? local\.([A-Za-z0-9_]+) : local\.([A-Za-z0-9_]+)\}$/
      .exec(policyResource.policy);
    expect(m).not.toBeNull();
    expect(json.locals.EcsPlatformElbLogDeliveryAccounts).toEqual(ELB_LOG_DELIVERY_ACCOUNTS);
    const [withAccount, serviceOnly] = [m![1], m![2]].map((name) => JSON.parse(json.locals[name]));
    const logObjects = expect.stringMatching(new RegExp(`^${bucketArn.replace(/[$.{}[\]]/g, '\\$&')}/alb/AWSLogs/\\$\\{data\\.aws_caller_identity\\.[^.]+\\.account_id\\}/\\*$`));
    const deny = {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
    const delivery = (principal: object) => ({ Sid: 'AllowElbLogDelivery', Effect: 'Allow', Action: 's3:PutObject', Resource: logObjects, Principal: principal });
    expect(serviceOnly.Statement).toEqual([deny, delivery({ Service: 'logdelivery.elasticloadbalancing.amazonaws.com' })]);
    expect(withAccount.Statement).toEqual([deny, delivery({
      Service: 'logdelivery.elasticloadbalancing.amazonaws.com',
      AWS: expect.stringMatching(/^arn:\$\{data\.aws_partition\.[^.]+\.partition\}:iam::\$\{local\.Lb_AccessLogsElbAccount_[0-9A-F]+\}:root$/),
    })]);
    expect(Object.entries(json.locals).find(([name]) => name.startsWith('Lb_AccessLogsElbAccount_'))![1])
      .toMatch(/^\$\{lookup\(local\.EcsPlatformElbLogDeliveryAccounts, data\.aws_region\.[^.]+\.name, "none"\)\}$/);
    expect(tfAcknowledgements(policyResource)).toEqual({ TF_S3_SSL_ONLY: expect.stringMatching(/both deny requests without TLS/) });
  });

  test('GIVEN a network in another stack THEN no depends_on points into it (that stack is applied first)', () => {
    const app = Testing.app();
    const networkStack = new TerraformStack(app, 'network');
    new AwsProvider(networkStack, 'aws', { region: 'eu-west-1' });
    const network = new PlatformNetwork(networkStack, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
    const ingressStack = new TerraformStack(app, 'ingress');
    new AwsProvider(ingressStack, 'aws', { region: 'eu-west-1' });
    new PlatformLoadBalancer(ingressStack, 'Lb', { network });
    const json = tfSynthFull(ingressStack);
    expect(tfResourceAt(json, 'aws_lb', 'Lb/LoadBalancer').depends_on).toEqual([tfAddress(json, 'aws_s3_bucket_policy', 'Lb/AccessLogsPolicy')]);
  });

  const TF = terraformBinaryAvailable();
  if (!TF) console.log('SKIPPING the terraform console evaluation of the access-log policy: no terraform binary on PATH');
  (TF ? test.each : test.skip.each)([
    ['us-east-1', '127311923021'],
    ['cn-north-1', '638102146993'],
    ['ap-south-2', undefined],
  ])('planned in %s, the access-log policy admits the service, and the regional ELB account where there is one (terraform console)', (region, account) => {
    const { stack } = loadBalancer();
    const json = tfSynthFull(stack);
    const policy = evaluateTerraform(json, tfResourceAt(json, 'aws_s3_bucket_policy', 'Lb/AccessLogsPolicy').policy, region) as string;
    const delivery = JSON.parse(policy).Statement.find((s: any) => s.Sid === 'AllowElbLogDelivery');
    expect(delivery.Principal).toEqual(account === undefined
      ? { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' }
      : { Service: 'logdelivery.elasticloadbalancing.amazonaws.com', AWS: expect.stringMatching(new RegExp(`^arn:<data\\.aws_partition\\.[^>]+>:iam::${account}:root$`)) });
  });

  test('GIVEN a certificateArn THEN HTTPS 443 with the TLS 1.2+ policy answers 404, HTTP 80 redirects to it, both ports open', () => {
    const { stack, lb } = loadBalancer({ certificateArn: CERTIFICATE_ARN });
    const json = tfSynthFull(stack);
    const lbArn = tfRefTo(json, 'aws_lb', 'Lb/LoadBalancer', 'arn');

    expect(tfResources(json, 'aws_lb_listener')).toHaveLength(2);
    const https = tfResourceAt(json, 'aws_lb_listener', 'Lb/HttpsListener');
    expect(https).toMatchObject({
      load_balancer_arn: lbArn,
      port: 443,
      protocol: 'HTTPS',
      ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      certificate_arn: CERTIFICATE_ARN,
      default_action: notFound,
    });
    const http = tfResourceAt(json, 'aws_lb_listener', 'Lb/HttpListener');
    expect(http).toMatchObject({
      load_balancer_arn: lbArn,
      port: 80,
      protocol: 'HTTP',
      default_action: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', status_code: 'HTTP_301' } }],
    });
    expect(tfAcknowledgements(http)).toEqual({});
    expect(ingress(json)).toEqual([[443, '0.0.0.0/0'], [80, '0.0.0.0/0']]);
    expect(lb.listener).toBe(lb.httpsListener);
    expect(tfResources(json, 'aws_acm_certificate')).toHaveLength(0);
  });

  test('GIVEN a domain THEN a DNS-validated certificate, its validation record, the HTTPS listener waiting for validation, and an alias', () => {
    const { stack, lb } = loadBalancer({ domain: DOMAIN });
    const json = tfSynthFull(stack);
    expect(lb.certificate).toBeDefined();

    expect(tfResourceAt(json, 'aws_acm_certificate', 'Lb/Certificate')).toMatchObject({
      domain_name: 'app.example.com', validation_method: 'DNS', lifecycle: { create_before_destroy: true },
    });
    const certOptions = `tolist(${tfRefTo(json, 'aws_acm_certificate', 'Lb/Certificate', 'domain_validation_options').slice(2, -1)})`;
    const record = tfResourceAt(json, 'aws_route53_record', 'Lb/CertificateValidationRecord');
    expect(record).toMatchObject({ zone_id: 'Z0123456789ABCDEFGHIJ', ttl: 60, allow_overwrite: true });
    expect(record.name).toMatch(/^\$\{element\(tolist\(.*\), 0\)\.resource_record_name\}$/);
    expect(record.name).toContain(certOptions);
    expect(record.type).toMatch(/\.resource_record_type\}$/);
    expect(record.records).toEqual([expect.stringMatching(/\.resource_record_value\}$/)]);
    expect(tfResourceAt(json, 'aws_acm_certificate_validation', 'Lb/CertificateValidation')).toMatchObject({
      certificate_arn: tfRefTo(json, 'aws_acm_certificate', 'Lb/Certificate', 'arn'),
      validation_record_fqdns: [tfRefTo(json, 'aws_route53_record', 'Lb/CertificateValidationRecord', 'fqdn')],
    });
    expect(tfResourceAt(json, 'aws_lb_listener', 'Lb/HttpsListener').certificate_arn)
      .toBe(tfRefTo(json, 'aws_acm_certificate_validation', 'Lb/CertificateValidation', 'certificate_arn'));
    expect(tfResourceAt(json, 'aws_route53_record', 'Lb/AliasRecord')).toMatchObject({
      zone_id: 'Z0123456789ABCDEFGHIJ',
      name: 'app.example.com',
      type: 'A',
      alias: {
        name: `dualstack.${tfRefTo(json, 'aws_lb', 'Lb/LoadBalancer', 'dns_name')}`,
        zone_id: tfRefTo(json, 'aws_lb', 'Lb/LoadBalancer', 'zone_id'),
        evaluate_target_health: false,
      },
    });
  });

  test('GIVEN PRODUCTION THEN deletion protection on, access logs kept a year, bucket protected from destroy', () => {
    const { stack, lb } = loadBalancer({}, EnvironmentProfile.PRODUCTION);
    const json = tfSynthFull(stack);
    expect(lb.profile).toBe(EnvironmentProfile.PRODUCTION);
    expect(tfResourceAt(json, 'aws_lb', 'Lb/LoadBalancer')).toMatchObject({
      enable_deletion_protection: true, tags: { 'platform:profile': 'PRODUCTION' },
    });
    expect(tfAcknowledgements(tfResourceAt(json, 'aws_lb', 'Lb/LoadBalancer'))).toEqual({});
    expect(tfResourceAt(json, 'aws_s3_bucket', 'Lb/AccessLogs')).toMatchObject({ force_destroy: false, lifecycle: { prevent_destroy: true } });
    expect(tfResourceAt(json, 'aws_s3_bucket_lifecycle_configuration', 'Lb/AccessLogsLifecycle').rule[0].expiration).toEqual([{ days: 365 }]);
  });

  test('GIVEN PRODUCTION with deletionProtection false THEN it is off and the Guard rule is acknowledged beside the load balancer', () => {
    const { stack } = loadBalancer({ deletionProtection: false, idleTimeoutSeconds: 120, accessLogRetentionDays: 90 }, EnvironmentProfile.PRODUCTION);
    const alb = tfResourceAt(tfSynthFull(stack), 'aws_lb', 'Lb/LoadBalancer');
    expect(alb).toMatchObject({ enable_deletion_protection: false, idle_timeout: 120 });
    expect(tfAcknowledgements(alb)).toEqual({ TF_PROD_LB_DELETION_PROTECTION: expect.stringMatching(/deletionProtection = false/) });
  });

  test('listener-rule priorities count every rule on the listener, also rules the user added; a priority used twice fails synthesis', () => {
    const { stack, lb } = loadBalancer();
    const rule = (id: string, priority: number) => new LbListenerRule(stack, id, {
      listenerArn: lb.listener.arn, priority, condition: [{ pathPattern: { values: [`/${id}`] } }], action: [{ type: 'fixed-response', fixedResponse: { contentType: 'text/plain', statusCode: '503' } }],
    });
    rule('Maintenance', 10);
    expect(lb._takenPriorities).toEqual([10]);
    rule('Clash', 10);
    expect(() => Testing.synth(stack, true)).toThrow(/listener-rule priority 10 on test\/Lb\/HttpListener is used by 2 rules \(test\/Maintenance, test\/Clash\)/);
  });

  test.each<[string, PlatformLoadBalancerOptions, RegExp]>([
    ['both certificateArn and domain', { certificateArn: CERTIFICATE_ARN, domain: DOMAIN }, /certificateArn: .*either certificateArn or domain/],
    ['a certificateArn that is not an ACM ARN', { certificateArn: 'arn:aws:iam::111122223333:server-certificate/x' }, /certificateArn/],
    ['a bad domain name', { domain: { domainName: 'not a domain', hostedZoneId: 'Z0123456789ABCDEFGHIJ' } }, /domain\.domainName/],
    ['a bad hosted zone ID', { domain: { domainName: 'app.example.com', hostedZoneId: 'zone' } }, /domain\.hostedZoneId/],
    ['no allowedCidrs', { allowedCidrs: [] }, /allowedCidrs/],
    ['an allowedCidr that is not a CIDR', { allowedCidrs: ['10.0.0.1'] }, /allowedCidrs\[0\]: got "10\.0\.0\.1"/],
    ['idleTimeoutSeconds 0', { idleTimeoutSeconds: 0 }, /idleTimeoutSeconds: got 0; expected an integer from 1 to 4000/],
    ['accessLogRetentionDays 0', { accessLogRetentionDays: 0 }, /accessLogRetentionDays/],
  ])('bad props: %s throws, naming the prop', (_name, options, error) => {
    const { stack } = tfStack();
    const network = new PlatformNetwork(stack, 'Network');
    expect(() => new PlatformLoadBalancer(stack, 'Lb', { network, ...options })).toThrow(error);
    expect(stack.node.tryFindChild('Lb')).toBeUndefined();
  });
});

describeTfGates('PlatformLoadBalancer (CDK for Terraform) quality gates', {
  'HTTP only': () => loadBalancer().stack,
  'HTTPS with a certificateArn': () => loadBalancer({ certificateArn: CERTIFICATE_ARN }).stack,
  'HTTPS with a domain': () => loadBalancer({ domain: DOMAIN }).stack,
  'PRODUCTION, HTTPS': () => loadBalancer({ certificateArn: CERTIFICATE_ARN }, EnvironmentProfile.PRODUCTION).stack,
});
