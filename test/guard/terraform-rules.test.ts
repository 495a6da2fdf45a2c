import { tfGuardFindings } from '../helpers/guard';
import { tfStack, tfSynthFull } from '../helpers/terraform';
import { EnvironmentProfile, PlatformNetworkOptions } from 'ecs-platform-constructs';
import { PlatformNetwork } from 'ecs-platform-constructs/cdktf';

/** A minimal compliant document; each case below breaks one intent. */
const compliant = () => ({
  resource: {
    aws_vpc: { v: { cidr_block: '10.0.0.0/16' } },
    aws_flow_log: { f: { vpc_id: '${aws_vpc.v.id}' } },
    aws_default_security_group: { d: { vpc_id: '${aws_vpc.v.id}' } },
    aws_cloudwatch_log_group: { l: { retention_in_days: 30, kms_key_id: '${aws_kms_key.k.arn}' } },
    aws_kms_key: { k: { enable_key_rotation: true } },
    aws_subnet: { s: { map_public_ip_on_launch: false } },
    aws_security_group: { alb: { ingress: [{ from_port: 443, to_port: 443, protocol: 'tcp', cidr_blocks: ['0.0.0.0/0'] }] } },
  } as Record<string, any>,
});

describe('Terraform Guard rules (rules/terraform)', () => {
  test('a compliant document passes every rule', () => {
    expect(tfGuardFindings(compliant())).toEqual([]);
  });

  test.each<[string, (r: Record<string, any>) => void]>([
    ['TF_LOGS_RETENTION_SET', (r) => delete r.aws_cloudwatch_log_group.l.retention_in_days],
    ['TF_LOGS_KMS_ENCRYPTED', (r) => delete r.aws_cloudwatch_log_group.l.kms_key_id],
    ['TF_KMS_ROTATION', (r) => r.aws_kms_key.k.enable_key_rotation = false],
    ['TF_VPC_FLOW_LOGS', (r) => delete r.aws_flow_log],
    ['TF_VPC_DEFAULT_SG_RESTRICTED', (r) => delete r.aws_default_security_group],
    ['TF_VPC_DEFAULT_SG_RESTRICTED', (r) => r.aws_default_security_group.d.ingress = [{ from_port: 0, to_port: 0, protocol: '-1', self: true }]],
    ['TF_SUBNET_NO_AUTO_PUBLIC_IP', (r) => r.aws_subnet.s.map_public_ip_on_launch = true],
    ['TF_SG_NO_OPEN_INGRESS_INLINE', (r) => r.aws_security_group.alb.ingress[0].from_port = 22],
    ['TF_SG_NO_OPEN_INGRESS_RULE', (r) => r.aws_vpc_security_group_ingress_rule = { x: { cidr_ipv4: '0.0.0.0/0', from_port: 0, to_port: 65535 } }],
    ['TF_SG_NO_OPEN_INGRESS_LEGACY', (r) => r.aws_security_group_rule = { x: { type: 'ingress', cidr_blocks: ['0.0.0.0/0'], from_port: 5432, to_port: 5432 } }],
    ['TF_EC2_IMDSV2', (r) => r.aws_instance = { i: { metadata_options: { http_tokens: 'optional' } } }],
    ['TF_EC2_LAUNCH_TEMPLATE_IMDSV2', (r) => r.aws_launch_template = { t: {} }],
    ['TF_PROD_DB_DELETION_PROTECTION', (r) => r.aws_db_instance = { d: { tags: { 'platform:profile': 'PRODUCTION' }, deletion_protection: false } }],
    ['TF_PROD_LB_DELETION_PROTECTION', (r) => r.aws_lb = { a: { tags: { 'platform:profile': 'PRODUCTION' } } }],
  ])('%s fails the document that breaks it, and only that rule', (rule, breakIt) => {
    const doc = compliant();
    breakIt(doc.resource);
    expect(tfGuardFindings(doc).map((f) => f.rule)).toEqual([rule]);
  });

  test('an acknowledgement beside the resource, with a reason, silences that rule there', () => {
    const doc = compliant();
    delete doc.resource.aws_flow_log;
    doc.resource.aws_vpc.v['//'] = { acknowledged: { TF_VPC_FLOW_LOGS: 'switched off on purpose' } };
    expect(tfGuardFindings(doc)).toEqual([]);
  });

  describe('PlatformNetwork output', () => {
    test.each<[string, PlatformNetworkOptions]>([
      ['DEVELOPMENT defaults', {}],
      ['PRODUCTION over 3 AZs', { profile: EnvironmentProfile.PRODUCTION, maxAzs: 3 }],
      ['no NAT', { natGateways: 0 }],
      ['flow logs off and default SG open (acknowledged beside the VPC)', { flowLogs: { enabled: false }, restrictDefaultSecurityGroup: false }],
      ['existing KMS key', { flowLogs: { kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555' } }],
    ])('%s: passes every rule', (_name, options) => {
      const { stack } = tfStack();
      new PlatformNetwork(stack, 'Network', options);
      expect(tfGuardFindings(tfSynthFull(stack))).toEqual([]);
    });
  });
});
