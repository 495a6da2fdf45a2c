import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { FactName } from 'aws-cdk-lib/region-info';
import { cdkStack, cdkTemplate, formatFindings } from '../helpers/cdk';
import { cdkGatesAndTemplate } from '../helpers/cdk-gates';
import { evaluateCfn } from '../helpers/cfn-eval';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import { PlatformLoadBalancer, PlatformLoadBalancerProps, PlatformNetwork } from 'ecs-platform-constructs/cdk';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
const DOMAIN = { domainName: 'app.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' };

/** A load balancer on a fresh DEVELOPMENT network, synthesised once with the quality gates. */
function gated(props: Omit<PlatformLoadBalancerProps, 'network'> = {}, networkProfile?: EnvironmentProfile) {
  const { app, stack } = cdkStack();
  const network = new PlatformNetwork(stack, 'Network', { profile: networkProfile });
  const lb = new PlatformLoadBalancer(stack, 'Lb', { network, ...props });
  const { findings, template } = cdkGatesAndTemplate(app, stack);
  return { lb, network, stack, t: template, findings: formatFindings(findings) };
}

/** The ingress rules of the load balancer's security group, as "cidr:port" strings. */
function ingress(t: Template): string[] {
  const [sg] = Object.values(t.findResources('AWS::EC2::SecurityGroup', {
    Properties: { GroupDescription: Match.stringLikeRegexp('^Load balancer') },
  }));
  return (sg.Properties.SecurityGroupIngress ?? []).map((r: { CidrIp: string; FromPort: number; ToPort: number; IpProtocol: string }) => {
    expect(r.IpProtocol).toBe('tcp');
    expect(r.FromPort).toBe(r.ToPort);
    return `${r.CidrIp}:${r.FromPort}`;
  });
}

describe('PlatformLoadBalancer (AWS CDK)', () => {
  describe('GIVEN defaults (no certificate): plain HTTP', () => {
    let s: ReturnType<typeof gated>;
    beforeAll(() => { s = gated(); });

    test('THEN the quality gates report nothing unacknowledged', () => {
      expect(s.findings).toBe('');
    });

    test('THEN an internet-facing ALB in the public subnets that drops invalid headers, mitigates desync defensively and logs access', () => {
      s.t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
      const subnets = Stack.of(s.lb).resolve(s.network.publicSubnetIds);
      s.t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        Type: 'application',
        Scheme: 'internet-facing',
        Subnets: subnets,
        SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^LbSecurityGroup'), 'GroupId'] }],
        LoadBalancerAttributes: Match.arrayWith([
          { Key: 'deletion_protection.enabled', Value: 'false' },
          { Key: 'idle_timeout.timeout_seconds', Value: '60' },
          { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
          { Key: 'routing.http.desync_mitigation_mode', Value: 'defensive' },
          { Key: 'access_logs.s3.enabled', Value: 'true' },
          { Key: 'access_logs.s3.bucket', Value: { Ref: Match.stringLikeRegexp('^LbAccessLogs') } },
          { Key: 'access_logs.s3.prefix', Value: 'alb' },
        ]),
      });
    });

    test('THEN only an HTTP listener on 80 answering 404 text/plain "Not Found"', () => {
      s.t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
      s.t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [{
          Type: 'fixed-response',
          FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not Found' },
        }],
      });
      expect(s.lb.listener).toBe(s.lb.httpListener);
      expect(s.lb.httpsListener).toBeUndefined();
      expect(s.lb.certificate).toBeUndefined();
      s.t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
      s.t.resourceCountIs('AWS::Route53::RecordSet', 0);
    });

    test('THEN the security group admits only port 80 from anywhere and lets nothing out until a service attaches', () => {
      expect(ingress(s.t)).toEqual(['0.0.0.0/0:80']);
      s.t.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: Match.stringLikeRegexp('^Load balancer'),
        // aws-cdk-lib's placeholder for "no egress".
        SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })],
      });
      s.t.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    });

    test('THEN the access-log bucket: SSE-S3, no public access, TLS only, owner-enforced, 30-day expiry, emptied and destroyed with the stack', () => {
      s.t.hasResource('AWS::S3::Bucket', {
        Properties: {
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })] },
        },
        DeletionPolicy: 'Delete',
      });
      s.t.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
    });

    test('THEN the bucket policy denies plain HTTP and lets ELB log delivery write under alb/AWSLogs/<account>/, in any region', () => {
      s.t.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Sid: 'AllowElbLogDelivery',
              Effect: 'Allow',
              Action: 's3:PutObject',
              Principal: Match.objectLike({ Service: 'logdelivery.elasticloadbalancing.amazonaws.com' }),
              Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^LbAccessLogs'), 'Arn'] }, '/alb/AWSLogs/', { Ref: 'AWS::AccountId' }, '/*']] },
            }),
          ]),
        },
      });
      // No region map: Fn::FindInMap fails a stack deployed to a region missing from it.
      expect(JSON.stringify(s.t.toJSON())).not.toContain('Fn::FindInMap');
      // The load balancer switches logging on only once the policy lets it write.
      s.t.hasResource('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        DependsOn: Match.arrayWith([Match.stringLikeRegexp('^LbAccessLogsPolicy')]),
      });
    });

    test.each([
      ['us-east-1', { Service: 'logdelivery.elasticloadbalancing.amazonaws.com', AWS: 'arn:aws:iam::127311923021:root' }],
      ['cn-north-1', { Service: 'logdelivery.elasticloadbalancing.amazonaws.com', AWS: 'arn:aws-cn:iam::638102146993:root' }],
      ['ap-south-2', { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' }],
      ['mx-central-1', { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' }],
    ])('THEN, deployed to %s, the region-agnostic policy admits the service and the regional ELB account where there is one', (region, principal) => {
      const template = s.t.toJSON();
      const [policy] = Object.values(s.t.findResources('AWS::S3::BucketPolicy')) as any[];
      const evaluated = evaluateCfn(template, policy.Properties.PolicyDocument, { region });
      expect(evaluated.Statement.find((st: any) => st.Sid === 'AllowElbLogDelivery').Principal).toEqual(principal);
    });

    test('THEN the evaluator behind that test fails on what aws-cdk-lib\'s region map renders, as CloudFormation does', () => {
      const app = new App();
      const stack = new Stack(app, 'RegionMap');
      new CfnOutput(stack, 'ElbAccount', { value: stack.regionalFact(FactName.ELBV2_ACCOUNT) });
      const template = Template.fromStack(stack).toJSON();
      expect(evaluateCfn(template, template.Outputs.ElbAccount.Value, { region: 'eu-west-1' })).toBe('156460612806');
      expect(() => evaluateCfn(template, template.Outputs.ElbAccount.Value, { region: 'ap-south-2' })).toThrow(/Unable to get mapping/);
    });

    test('THEN the public properties and construct IDs', () => {
      expect(s.lb.profile).toBe(EnvironmentProfile.DEVELOPMENT);
      expect(s.lb.network).toBe(s.network);
      expect(s.lb.loadBalancerArn).toBe(s.lb.loadBalancer.loadBalancerArn);
      expect(s.lb.dnsName).toBe(s.lb.loadBalancer.loadBalancerDnsName);
      expect(s.lb.securityGroupId).toBe(s.lb.securityGroup.securityGroupId);
      expect(s.lb.accessLogBucket.node.id).toBe('AccessLogs');
      expect(s.lb.node.children.map((c) => c.node.id)).toEqual(['SecurityGroup', 'AccessLogs', 'LoadBalancer', 'HttpListener']);
    });
  });

  describe('GIVEN certificateArn', () => {
    let s: ReturnType<typeof gated>;
    beforeAll(() => { s = gated({ certificateArn: CERTIFICATE_ARN }); });

    test('THEN the quality gates report nothing unacknowledged', () => {
      expect(s.findings).toBe('');
    });

    test('THEN HTTPS 443 with the certificate and the TLS 1.3 policy answers 404, and HTTP 80 redirects to it', () => {
      s.t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
      s.t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        Protocol: 'HTTPS',
        Certificates: [{ CertificateArn: CERTIFICATE_ARN }],
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        DefaultActions: [{
          Type: 'fixed-response',
          FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not Found' },
        }],
      });
      s.t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }],
      });
      expect(s.lb.listener).toBe(s.lb.httpsListener);
      expect(s.lb.certificate?.certificateArn).toBe(CERTIFICATE_ARN);
      s.t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    });

    test('THEN the security group admits 80 and 443 only', () => {
      expect(ingress(s.t)).toEqual(['0.0.0.0/0:80', '0.0.0.0/0:443']);
    });
  });

  describe('GIVEN a domain', () => {
    let s: ReturnType<typeof gated>;
    beforeAll(() => { s = gated({ domain: DOMAIN }); });

    test('THEN the quality gates report nothing unacknowledged', () => {
      expect(s.findings).toBe('');
    });

    test('THEN a DNS-validated certificate in the hosted zone serves HTTPS, and an A alias points the name at the ALB', () => {
      s.t.hasResourceProperties('AWS::CertificateManager::Certificate', {
        DomainName: DOMAIN.domainName,
        ValidationMethod: 'DNS',
        DomainValidationOptions: [{ DomainName: DOMAIN.domainName, HostedZoneId: DOMAIN.hostedZoneId }],
      });
      const certId = Object.keys(s.t.findResources('AWS::CertificateManager::Certificate'))[0];
      expect(certId).toMatch(/^LbCertificate/);
      s.t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        Certificates: [{ CertificateArn: { Ref: certId } }],
      });
      s.t.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${DOMAIN.domainName}.`,
        Type: 'A',
        HostedZoneId: DOMAIN.hostedZoneId,
        AliasTarget: {
          DNSName: { 'Fn::Join': ['', ['dualstack.', { 'Fn::GetAtt': [Match.stringLikeRegexp('^LbLoadBalancer'), 'DNSName'] }]] },
          HostedZoneId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LbLoadBalancer'), 'CanonicalHostedZoneID'] },
        },
      });
      expect(s.lb.node.tryFindChild('Certificate')).toBe(s.lb.certificate);
      expect(s.lb.node.tryFindChild('AliasRecord')).toBeDefined();
    });
  });

  describe('GIVEN a PRODUCTION network', () => {
    let s: ReturnType<typeof gated>;
    beforeAll(() => { s = gated({ certificateArn: CERTIFICATE_ARN }, EnvironmentProfile.PRODUCTION); });

    test('THEN the quality gates report nothing unacknowledged', () => {
      expect(s.findings).toBe('');
    });

    test('THEN deletion protection is on, access logs are kept 365 days and the bucket is retained (not emptied)', () => {
      expect(s.lb.profile).toBe(EnvironmentProfile.PRODUCTION);
      s.t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
      });
      s.t.hasResource('AWS::S3::Bucket', {
        Properties: { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365 })] } },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      s.t.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    });
  });

  test('GIVEN allowedCidrs, idle timeout, deletion protection and retention THEN they are applied as given', () => {
    const s = gated({
      certificateArn: CERTIFICATE_ARN,
      allowedCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
      idleTimeoutSeconds: 120,
      deletionProtection: true,
      accessLogRetentionDays: 90,
    });
    expect(ingress(s.t)).toEqual(['203.0.113.0/24:80', '198.51.100.7/32:80', '203.0.113.0/24:443', '198.51.100.7/32:443']);
    s.t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'deletion_protection.enabled', Value: 'true' },
        { Key: 'idle_timeout.timeout_seconds', Value: '120' },
      ]),
    });
    s.t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90 })] },
    });
    // Nothing open to the internet, so nothing to acknowledge: the gates still pass.
    expect(s.findings).toBe('');
  });

  test.each([
    ['eu-west-1', { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::156460612806:root']] } }],
    ['ap-southeast-4', {}],
  ])('GIVEN a stack in %s THEN log delivery admits the ELB account the region has (if any) and the service principal', (region, account) => {
    const app = new App();
    const stack = new Stack(app, 'Regional', { env: { region } });
    const network = new PlatformNetwork(stack, 'Network');
    new PlatformLoadBalancer(stack, 'Lb', { network });
    cdkTemplate(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'AllowElbLogDelivery',
          Principal: { ...account, Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
        })]),
      },
    });
  });

  describe('internal API for FargateWebService', () => {
    test('_takenPriorities counts every rule on the listener, also rules the user added; a priority used twice fails synthesis', () => {
      const { app, stack } = cdkStack();
      const lb = new PlatformLoadBalancer(stack, 'Lb', { network: new PlatformNetwork(stack, 'Network') });
      const tg = new elbv2.ApplicationTargetGroup(stack, 'Tg', { vpc: lb.network.vpc, port: 8080, targetType: elbv2.TargetType.IP });
      lb.listener.addAction('Maintenance', { priority: 10, conditions: [elbv2.ListenerCondition.pathPatterns(['/maintenance'])], action: elbv2.ListenerAction.forward([tg]) });
      new elbv2.ApplicationListenerRule(stack, 'UserRule', { listener: lb.listener, priority: 20, conditions: [elbv2.ListenerCondition.pathPatterns(['/x'])], action: elbv2.ListenerAction.forward([tg]) });
      expect(lb._takenPriorities.sort()).toEqual([10, 20]);
      new elbv2.ApplicationListenerRule(stack, 'Clash', { listener: lb.listener, priority: 20, conditions: [elbv2.ListenerCondition.pathPatterns(['/y'])], action: elbv2.ListenerAction.forward([tg]) });
      expect(() => app.synth()).toThrow(/listener-rule priority 20 on Test\/Lb\/HttpListener is used by 2 rules \(Test\/UserRule\/Resource, Test\/Clash\/Resource\)/);
    });

    test('_forwardDefaultTo replaces the 404 on the listener, without a warning', () => {
      const { stack } = cdkStack();
      const network = new PlatformNetwork(stack, 'Network');
      const lb = new PlatformLoadBalancer(stack, 'Lb', { network, certificateArn: CERTIFICATE_ARN });
      const tg = new elbv2.ApplicationTargetGroup(stack, 'Tg', { vpc: network.vpc, port: 8080, targetType: elbv2.TargetType.IP });
      lb._forwardDefaultTo(tg);
      const t = cdkTemplate(stack);
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: Match.stringLikeRegexp('^Tg') } }],
      });
      // HTTP still redirects.
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, DefaultActions: [Match.objectLike({ Type: 'redirect' })] });
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    });

    test('_allowEgressTo opens exactly one port to one security group', () => {
      const { stack } = cdkStack();
      const network = new PlatformNetwork(stack, 'Network');
      const lb = new PlatformLoadBalancer(stack, 'Lb', { network });
      const peer = new ec2.SecurityGroup(stack, 'Peer', { vpc: network.vpc });
      lb._allowEgressTo(peer, 3000, 'to the peer');
      const t = cdkTemplate(stack);
      t.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
      t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LbSecurityGroup'), 'GroupId'] },
        DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Peer'), 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 3000,
        ToPort: 3000,
      });
    });
  });

  describe('validation: bad props throw one error naming each prop, before anything is created', () => {
    test.each<[string, Omit<PlatformLoadBalancerProps, 'network'>, RegExp]>([
      ['certificateArn and domain', { certificateArn: CERTIFICATE_ARN, domain: DOMAIN }, /certificateArn: .*either certificateArn or domain/],
      ['a malformed certificateArn', { certificateArn: 'arn:aws:iam::111122223333:role/x' }, /certificateArn: .*ACM certificate ARN/],
      ['a bad domain name', { domain: { domainName: 'not a name', hostedZoneId: DOMAIN.hostedZoneId } }, /domain\.domainName/],
      ['a bad hosted zone', { domain: { domainName: DOMAIN.domainName, hostedZoneId: 'zone' } }, /domain\.hostedZoneId/],
      ['a bad CIDR', { allowedCidrs: ['10.0.0.0/33'] }, /allowedCidrs\[0\]: got "10.0.0.0\/33"/],
      ['no CIDRs', { allowedCidrs: [] }, /allowedCidrs: .*at least one/],
      ['idleTimeoutSeconds 0', { idleTimeoutSeconds: 0 }, /idleTimeoutSeconds: got 0; expected an integer from 1 to 4000/],
      ['accessLogRetentionDays 0', { accessLogRetentionDays: 0 }, /accessLogRetentionDays: got 0/],
    ])('%s', (_name, props, message) => {
      const { stack } = cdkStack();
      const network = new PlatformNetwork(stack, 'Network');
      expect(() => new PlatformLoadBalancer(stack, 'Lb', { network, ...props })).toThrow(message);
      expect(() => new PlatformLoadBalancer(stack, 'Lb', { network, ...props })).toThrow(/Invalid props for PlatformLoadBalancer at 'Test\/Lb'/);
      expect(stack.node.tryFindChild('Lb')).toBeUndefined();
    });
  });
});
