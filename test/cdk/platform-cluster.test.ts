import { Match, Template } from 'aws-cdk-lib/assertions';
import { cdkStack, cdkTemplate, formatFindings } from '../helpers/cdk';
import { cdkGatesAndTemplate } from '../helpers/cdk-gates';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import { PlatformCluster, PlatformNetwork } from 'ecs-platform-constructs/cdk';

describe('PlatformCluster (AWS CDK)', () => {
  describe('GIVEN defaults on a DEVELOPMENT network', () => {
    let t: Template;
    let findings: string;
    let cluster: PlatformCluster;
    let network: PlatformNetwork;

    beforeAll(() => {
      const { app, stack } = cdkStack();
      network = new PlatformNetwork(stack, 'Network');
      cluster = new PlatformCluster(stack, 'Cluster', { network });
      const gated = cdkGatesAndTemplate(app, stack);
      t = gated.template;
      findings = formatFindings(gated.findings);
    });

    test('THEN the quality gates (cdk-nag + Control Tower) report nothing unacknowledged', () => {
      expect(findings).toBe('');
    });

    test('THEN one rotating KMS key with a 7-day deletion window, destroyed with the stack', () => {
      const keys = t.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('ECS Exec') } });
      expect(Object.values(keys)).toHaveLength(1);
      const [key] = Object.values(keys);
      expect(key.Properties).toMatchObject({ EnableKeyRotation: true, PendingWindowInDays: 7 });
      expect(key.DeletionPolicy).toBe('Delete');
    });

    test('THEN the key policy: account root admin, CloudWatch Logs, CloudWatch alarms, no grants to non-AWS-services', () => {
      t.hasResourceProperties('AWS::KMS::Key', {
        Description: Match.stringLikeRegexp('ECS Exec'),
        KeyPolicy: {
          Statement: [
            Match.objectLike({ Effect: 'Allow', Action: 'kms:*', Principal: { AWS: Match.anyValue() } }),
            Match.objectLike({
              Sid: 'AllowCloudWatchLogs',
              Effect: 'Allow',
              Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
              Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
            }),
            Match.objectLike({
              Sid: 'AllowCloudWatchAlarmsToEncryptedTopics',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            }),
            Match.objectLike({ Sid: 'DenyGrantsExceptForAwsServices', Effect: 'Deny', Action: 'kms:CreateGrant' }),
          ],
        },
      });
    });

    test('THEN the ECS Exec log group keeps 30 days, is encrypted with the key and is destroyed with the stack', () => {
      t.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 30, KmsKeyId: { 'Fn::GetAtt': [keyId(t), 'Arn'] } },
        DeletionPolicy: 'Delete',
      });
    });

    test('THEN the cluster has Container Insights and ECS Exec logging encrypted with the key', () => {
      t.resourceCountIs('AWS::ECS::Cluster', 1);
      t.hasResourceProperties('AWS::ECS::Cluster', {
        ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
        Configuration: {
          ExecuteCommandConfiguration: {
            KmsKeyId: { 'Fn::GetAtt': [keyId(t), 'Arn'] },
            Logging: 'OVERRIDE',
            LogConfiguration: {
              CloudWatchLogGroupName: { Ref: logicalId(t, 'AWS::Logs::LogGroup', 'ClusterExecLogGroup') },
              CloudWatchEncryptionEnabled: true,
            },
          },
        },
      });
    });

    test('THEN FARGATE and FARGATE_SPOT capacity providers, FARGATE by default', () => {
      t.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
        CapacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        DefaultCapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Base: 0, Weight: 1 }],
      });
    });

    test('THEN an alerts topic encrypted with the key, that admits this account\'s alarms and refuses publishing without TLS', () => {
      const topicId = logicalId(t, 'AWS::SNS::Topic', 'ClusterAlertsTopic');
      t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId(t), 'Arn'] } });
      // A topic policy replaces SNS's default one: without the first statement no alarm could notify.
      t.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: [
            {
              Sid: 'AllowCloudWatchAlarmsToPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: { Ref: topicId },
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*']] } },
              },
            },
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'sns:Publish',
              Resource: { Ref: topicId },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      });
      t.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Sid: 'AllowCloudWatchAlarmsToEncryptedTopics',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          })]),
        },
      });
    });

    test('THEN the public properties reach every resource and the profile is the network\'s', () => {
      expect(cluster.network).toBe(network);
      expect(cluster.profile).toBe(EnvironmentProfile.DEVELOPMENT);
      expect(cluster.clusterName).toBe(cluster.cluster.clusterName);
      expect(cluster.clusterArn).toBe(cluster.cluster.clusterArn);
      expect(cluster.encryptionKeyArn).toBe(cluster.encryptionKey.keyArn);
      expect(cluster.alertsTopicArn).toBe(cluster.alertsTopic.topicArn);
      expect(cluster.execLogGroup.node.id).toBe('ExecLogGroup');
    });

    test('THEN the construct IDs are the ones both engines share', () => {
      expect(cluster.node.children.map((c) => c.node.id)).toEqual(['Key', 'ExecLogGroup', 'Cluster', 'AlertsTopic']);
    });
  });

  describe('GIVEN a PRODUCTION network', () => {
    let t: Template;
    let findings: string;
    let cluster: PlatformCluster;

    beforeAll(() => {
      const { app, stack } = cdkStack();
      const network = new PlatformNetwork(stack, 'Network', { profile: EnvironmentProfile.PRODUCTION });
      cluster = new PlatformCluster(stack, 'Cluster', { network });
      const gated = cdkGatesAndTemplate(app, stack);
      t = gated.template;
      findings = formatFindings(gated.findings);
    });

    test('THEN the profile follows the network, ECS Exec logs are kept a year and key and log group are retained', () => {
      expect(cluster.profile).toBe(EnvironmentProfile.PRODUCTION);
      t.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [keyId(t), 'Arn'] } },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      t.hasResource('AWS::KMS::Key', {
        Properties: { Description: Match.stringLikeRegexp('ECS Exec'), PendingWindowInDays: 30 },
        DeletionPolicy: 'Retain',
      });
    });

    test('THEN the quality gates report nothing unacknowledged', () => {
      expect(findings).toBe('');
    });
  });

  test('GIVEN a PRODUCTION cluster on a DEVELOPMENT network and an explicit retention THEN the props win', () => {
    const { stack } = cdkStack();
    const network = new PlatformNetwork(stack, 'Network');
    const cluster = new PlatformCluster(stack, 'Cluster', { network, profile: EnvironmentProfile.PRODUCTION, execLogRetentionDays: 731 });
    expect(cluster.profile).toBe(EnvironmentProfile.PRODUCTION);
    cdkTemplate(stack).hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 731, KmsKeyId: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith([Match.stringLikeRegexp('^ClusterKey')]) }) },
      DeletionPolicy: 'Retain',
    });
  });

  test('GIVEN containerInsights false THEN insights are disabled, acknowledged beside the cluster, and the gates pass', () => {
    const { app, stack } = cdkStack();
    const network = new PlatformNetwork(stack, 'Network');
    new PlatformCluster(stack, 'Cluster', { network, containerInsights: false });
    const { findings, template } = cdkGatesAndTemplate(app, stack);
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'disabled' }] });
    expect(formatFindings(findings)).toBe('');
  });

  test('GIVEN an execLogRetentionDays CloudWatch does not offer THEN it throws naming the prop, before creating anything', () => {
    const { stack } = cdkStack();
    const network = new PlatformNetwork(stack, 'Network');
    expect(() => new PlatformCluster(stack, 'Cluster', { network, execLogRetentionDays: 8 }))
      .toThrow(/PlatformCluster at 'Test\/Cluster' \(1 problem\):\n {2}- execLogRetentionDays: got 8; expected one of 1, 3, 5/);
    expect(stack.node.tryFindChild('Cluster')).toBeUndefined();
  });
});

/** The logical ID of the one resource of `type` whose ID starts with `prefix`. */
function logicalId(t: Template, type: string, prefix: string): string {
  const ids = Object.keys(t.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}

function keyId(t: Template): string {
  return logicalId(t, 'AWS::KMS::Key', 'ClusterKey');
}
