import { RegionInfo } from 'aws-cdk-lib/region-info';
import {
  allowCloudWatchLogs,
  allowElbLogDelivery,
  allowPublisherToEncryptForTopics,
  CLOUDWATCH_ALARMS,
  ECS_TASKS,
  ELB_LOG_DELIVERY_ACCOUNTS,
  ELB_LOG_DELIVERY_SERVICE,
  serviceTrustStatement,
  topicPolicyStatements,
  VPC_FLOW_LOGS,
} from '../../src/constructs/policies';

const CHINA = { partition: 'aws-cn', region: 'cn-north-1', accountId: '111122223333', urlSuffix: 'amazonaws.com.cn' };

describe('the IAM documents both engines render', () => {
  test('a topic policy admits CloudWatch alarms of this account and region, and refuses plain HTTP', () => {
    expect(topicPolicyStatements('TOPIC', [CLOUDWATCH_ALARMS], CHINA)).toEqual([
      {
        Sid: 'AllowCloudWatchAlarmsToPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: 'TOPIC',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '111122223333' },
          ArnLike: { 'aws:SourceArn': 'arn:aws-cn:cloudwatch:cn-north-1:111122223333:alarm:*' },
        },
      },
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sns:Publish',
        Resource: 'TOPIC',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
  });

  test('the topic key lets the same publishers encrypt, for this account\'s alarms and topics only', () => {
    expect(allowPublisherToEncryptForTopics(CLOUDWATCH_ALARMS, CHINA)).toEqual({
      Sid: 'AllowCloudWatchAlarmsToEncryptedTopics',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': '111122223333' },
        ArnLike: {
          'aws:SourceArn': 'arn:aws-cn:cloudwatch:cn-north-1:111122223333:alarm:*',
          'kms:EncryptionContext:aws:sns:topicArn': 'arn:aws-cn:sns:cn-north-1:111122223333:*',
        },
      },
    });
  });

  test('service roles trust their service for this account\'s resources only', () => {
    expect(serviceTrustStatement(ECS_TASKS, CHINA)).toEqual({
      Effect: 'Allow',
      Principal: { Service: 'ecs-tasks.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'aws:SourceAccount': '111122223333' },
        ArnLike: { 'aws:SourceArn': 'arn:aws-cn:ecs:cn-north-1:111122223333:*' },
      },
    });
    expect(serviceTrustStatement(VPC_FLOW_LOGS, CHINA).Condition!.ArnLike).toEqual({
      'aws:SourceArn': 'arn:aws-cn:ec2:cn-north-1:111122223333:vpc-flow-log/*',
    });
  });

  test('regional principals carry the partition\'s DNS suffix', () => {
    expect(allowCloudWatchLogs(CHINA).Principal).toEqual({ Service: 'logs.cn-north-1.amazonaws.com.cn' });
  });

  test('ELB log delivery: the service always, the regional account where given', () => {
    expect(allowElbLogDelivery('BUCKET', 'alb', '111122223333')).toMatchObject({
      Principal: { Service: ELB_LOG_DELIVERY_SERVICE },
      Action: 's3:PutObject',
      // Only this account's logs, under the prefix the load balancer writes to.
      Resource: 'BUCKET/alb/AWSLogs/111122223333/*',
    });
    expect(allowElbLogDelivery('BUCKET', 'alb', '111122223333', 'arn:aws:iam::127311923021:root').Principal)
      .toEqual({ Service: ELB_LOG_DELIVERY_SERVICE, AWS: 'arn:aws:iam::127311923021:root' });
  });

  test('the ELB account table is the one aws-cdk-lib knows (a region it adds shows up here)', () => {
    const cdkKnows = Object.fromEntries(RegionInfo.regions.filter((r) => r.elbv2Account).map((r) => [r.name, r.elbv2Account]));
    expect(ELB_LOG_DELIVERY_ACCOUNTS).toEqual(cdkKnows);
  });
});
