import { tfResources, tfStack, tfSynthFull } from '../helpers/terraform';
import { describeTfGates } from '../helpers/tf-gates';
import { tfAcknowledgements, tfPlatform, tfPolicy, tfRefTo, tfResourceAt } from '../helpers/tf-platform';
import { EnvironmentProfile } from 'ecs-platform-constructs';
import { PlatformCluster, PlatformNetwork } from 'ecs-platform-constructs/cdktf';

describe('PlatformCluster (CDK for Terraform)', () => {
  test('GIVEN defaults THEN a rotating key, an encrypted exec log, Container Insights, Fargate capacity providers and an alerts topic', () => {
    const { stack, cluster } = tfPlatform();
    const json = tfSynthFull(stack);

    const key = tfResourceAt(json, 'aws_kms_key', 'Cluster/Key');
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 7 });
    expect(key.lifecycle).toBeUndefined();
    const keyArn = tfRefTo(json, 'aws_kms_key', 'Cluster/Key', 'arn');

    const execLog = tfResourceAt(json, 'aws_cloudwatch_log_group', 'Cluster/ExecLogGroup');
    expect(execLog).toMatchObject({ retention_in_days: 30, kms_key_id: keyArn, skip_destroy: false, name_prefix: '/platform/test/Cluster/ecs-exec/' });

    expect(tfResources(json, 'aws_ecs_cluster')).toHaveLength(1);
    expect(tfResourceAt(json, 'aws_ecs_cluster', 'Cluster/Cluster')).toMatchObject({
      name: 'test-Cluster',
      setting: [{ name: 'containerInsights', value: 'enabled' }],
      configuration: {
        execute_command_configuration: {
          kms_key_id: keyArn,
          logging: 'OVERRIDE',
          log_configuration: {
            cloud_watch_log_group_name: tfRefTo(json, 'aws_cloudwatch_log_group', 'Cluster/ExecLogGroup', 'name'),
            cloud_watch_encryption_enabled: true,
          },
        },
      },
    });
    expect(tfResourceAt(json, 'aws_ecs_cluster_capacity_providers', 'Cluster/CapacityProviders')).toMatchObject({
      cluster_name: tfRefTo(json, 'aws_ecs_cluster', 'Cluster/Cluster', 'name'),
      capacity_providers: ['FARGATE', 'FARGATE_SPOT'],
      default_capacity_provider_strategy: [{ capacity_provider: 'FARGATE', base: 0, weight: 1 }],
    });

    const topicArn = tfRefTo(json, 'aws_sns_topic', 'Cluster/AlertsTopic', 'arn');
    expect(tfResourceAt(json, 'aws_sns_topic', 'Cluster/AlertsTopic')).toMatchObject({ kms_master_key_id: keyArn });
    const topicPolicy = tfResourceAt(json, 'aws_sns_topic_policy', 'Cluster/AlertsTopicPolicy');
    expect(topicPolicy.arn).toBe(topicArn);
    // A topic policy replaces SNS's default one: without the first statement no alarm could notify.
    expect(tfPolicy(topicPolicy).Statement).toEqual([
      {
        Sid: 'AllowCloudWatchAlarmsToPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: topicArn,
        Condition: {
          StringEquals: { 'aws:SourceAccount': expect.stringMatching(/^\$\{data\.aws_caller_identity\.[^.]+\.account_id\}$/) },
          ArnLike: { 'aws:SourceArn': expect.stringMatching(/^arn:\$\{data\.aws_partition\.[^.]+\.partition\}:cloudwatch:\$\{data\.aws_region\.[^.]+\.name\}:\$\{[^}]+\}:alarm:\*$/) },
        },
      },
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sns:Publish',
        Resource: topicArn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);

    expect(cluster.profile).toBe(EnvironmentProfile.DEVELOPMENT);
    expect(cluster.clusterName).toMatch(/^\$\{TfToken\[/);
    expect(cluster.encryptionKeyArn).toMatch(/^\$\{TfToken\[/);
  });

  test('the key lets the account administer it, CloudWatch Logs and alarms use it, and only AWS services hold grants', () => {
    const { stack } = tfPlatform();
    const policy = tfPolicy(tfResourceAt(tfSynthFull(stack), 'aws_kms_key', 'Cluster/Key'));
    expect(policy.Statement.map((s: any) => s.Sid ?? s.Effect))
      .toEqual(['Allow', 'AllowCloudWatchLogs', 'AllowCloudWatchAlarmsToEncryptedTopics', 'DenyGrantsExceptForAwsServices']);
    expect(policy.Statement[0]).toMatchObject({ Action: 'kms:*', Resource: '*' });
    expect(policy.Statement[0].Principal.AWS).toMatch(/^arn:\$\{data\.aws_partition\.[^.]+\.partition\}:iam::\$\{data\.aws_caller_identity\.[^.]+\.account_id\}:root$/);
    expect(policy.Statement[1].Principal.Service).toMatch(/^logs\.\$\{data\.aws_region\.[^.]+\.name\}\.\$\{data\.aws_partition\.[^.]+\.dns_suffix\}$/);
    expect(policy.Statement[2]).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: {
        StringEquals: { 'aws:SourceAccount': expect.any(String) },
        ArnLike: { 'aws:SourceArn': expect.stringMatching(/:alarm:\*$/), 'kms:EncryptionContext:aws:sns:topicArn': expect.stringMatching(/:sns:.*:\*$/) },
      },
    });
  });

  test('GIVEN a PRODUCTION network THEN the cluster inherits PRODUCTION: year-long exec log kept on destroy, key protected', () => {
    const { stack, cluster } = tfPlatform(EnvironmentProfile.PRODUCTION);
    const json = tfSynthFull(stack);
    expect(cluster.profile).toBe(EnvironmentProfile.PRODUCTION);
    expect(tfResourceAt(json, 'aws_cloudwatch_log_group', 'Cluster/ExecLogGroup')).toMatchObject({ retention_in_days: 365, skip_destroy: true });
    expect(tfResourceAt(json, 'aws_kms_key', 'Cluster/Key')).toMatchObject({ deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
  });

  test('GIVEN a profile and retention on the cluster THEN they override the network\'s', () => {
    const { stack } = tfStack();
    const network = new PlatformNetwork(stack, 'Network', { profile: EnvironmentProfile.PRODUCTION });
    const cluster = new PlatformCluster(stack, 'Cluster', { network, profile: EnvironmentProfile.DEVELOPMENT, execLogRetentionDays: 90 });
    const json = tfSynthFull(stack);
    expect(cluster.profile).toBe(EnvironmentProfile.DEVELOPMENT);
    expect(tfResourceAt(json, 'aws_cloudwatch_log_group', 'Cluster/ExecLogGroup')).toMatchObject({ retention_in_days: 90, skip_destroy: false });
    expect(tfResourceAt(json, 'aws_kms_key', 'Cluster/Key').lifecycle).toBeUndefined();
  });

  test('GIVEN containerInsights false THEN the setting is disabled and the Guard rule is acknowledged beside the cluster', () => {
    const { stack } = tfStack();
    const network = new PlatformNetwork(stack, 'Network');
    new PlatformCluster(stack, 'Cluster', { network, containerInsights: false });
    const ecsCluster = tfResourceAt(tfSynthFull(stack), 'aws_ecs_cluster', 'Cluster/Cluster');
    expect(ecsCluster.setting).toEqual([{ name: 'containerInsights', value: 'disabled' }]);
    expect(tfAcknowledgements(ecsCluster)).toEqual({ TF_ECS_CONTAINER_INSIGHTS: expect.stringMatching(/containerInsights = false/) });
  });

  test('bad props throw before anything is created, naming each prop', () => {
    const { stack } = tfStack();
    const network = new PlatformNetwork(stack, 'Network');
    expect(() => new PlatformCluster(stack, 'Cluster', { network, execLogRetentionDays: 42 })).toThrow(/execLogRetentionDays: got 42/);
    expect(() => new PlatformCluster(stack, 'Cluster', { network, profile: 'STAGING' as EnvironmentProfile })).toThrow(/PlatformCluster at 'test\/Cluster'.*\n.*profile/);
    expect(stack.node.tryFindChild('Cluster')).toBeUndefined();
  });
});

describeTfGates('PlatformCluster (CDK for Terraform) quality gates', {
  'cluster alone': () => tfPlatform().stack,
  'PRODUCTION cluster': () => tfPlatform(EnvironmentProfile.PRODUCTION).stack,
});
