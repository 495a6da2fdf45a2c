import type { SNSEvent } from 'aws-lambda';
import { resetRuntime, runtime } from '../../src/handlers/shared/runtime';

/** Silences the handlers' JSON logs and returns the parsed log lines (all levels). */
export function captureLogs(): { lines: () => Array<Record<string, unknown>> } {
  const spies = (['log', 'warn', 'error'] as const).map((m) => jest.spyOn(console, m).mockImplementation(() => undefined));
  return {
    lines: () => spies.flatMap((s) => s.mock.calls.map((c) => {
      try {
        return JSON.parse(String(c[0])) as Record<string, unknown>;
      } catch {
        return { raw: c[0] };
      }
    })),
  };
}

/** Replaces the runtime's sleep (no waiting; delays recorded), clock and randomness. */
export function fakeRuntime(now: string | Date): { sleep: jest.Mock<Promise<void>, [number]>; setNow: (t: string | Date) => void } {
  const sleep = jest.fn<Promise<void>, [number]>(async () => undefined);
  let current = new Date(now);
  runtime.sleep = sleep;
  runtime.now = () => new Date(current);
  runtime.random = () => 0.5;
  return { sleep, setNow: (t) => { current = new Date(t); } };
}

export { resetRuntime };

/** An error shaped like an AWS SDK v3 service exception. */
export function awsError(name: string, message = name, httpStatusCode = 400): Error {
  const err = new Error(message) as Error & { $metadata: { httpStatusCode: number }; Code: string; $fault: string };
  err.name = name;
  err.Code = name;
  err.$fault = httpStatusCode >= 500 ? 'server' : 'client';
  err.$metadata = { httpStatusCode };
  return err;
}

export function snsEvent(message: string, subject?: string, messageId = 'msg-1'): SNSEvent {
  return {
    Records: [{
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:alerts:sub',
      Sns: {
        Type: 'Notification',
        MessageId: messageId,
        TopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
        Subject: subject as string,
        Message: message,
        Timestamp: '2024-05-15T10:00:00.000Z',
        SignatureVersion: '1',
        Signature: 'sig',
        SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/cert.pem',
        UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/unsub',
        MessageAttributes: {},
      },
    }],
  };
}

/** Sample messages as AWS sends them. */
export const samples = {
  alarm: JSON.stringify({
    AlarmName: 'web-5xx-high',
    AlarmDescription: 'Too many 5xx answers',
    AWSAccountId: '123456789012',
    AlarmConfigurationUpdatedTimestamp: '2024-05-01T00:00:00.000+0000',
    NewStateValue: 'ALARM',
    NewStateReason: 'Threshold Crossed: 1 out of the last 1 datapoints [12.0 (15/05/24 09:55:00)] was greater than the threshold (5.0).',
    StateChangeTime: '2024-05-15T10:00:00.000+0000',
    Region: 'EU (Ireland)',
    AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:web-5xx-high',
    OldStateValue: 'OK',
    OKActions: [],
    AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:alerts'],
    InsufficientDataActions: [],
    Trigger: { MetricName: 'HTTPCode_Target_5XX_Count', Namespace: 'AWS/ApplicationELB', StatisticType: 'Statistic', Statistic: 'SUM', Period: 60 },
  }),
  anomalyLegacy: JSON.stringify({
    accountId: '123456789012',
    anomalyDetailsLink: 'https://console.aws.amazon.com/cost-management/home#/anomaly-detection/monitors/abc/anomalies/def',
    anomalyEndDate: '2024-05-14T00:00:00Z',
    anomalyId: '11111111-2222-3333-4444-555555555555',
    anomalyScore: { currentScore: 0.5, maxScore: 0.7 },
    anomalyStartDate: '2024-05-12T00:00:00Z',
    dimensionalValue: 'Amazon Elastic Compute Cloud - Compute',
    impact: { maxImpact: 151, totalActualSpend: 1301, totalExpectedSpend: 300, totalImpact: 1001, totalImpactPercentage: 333.67 },
    monitorArn: 'arn:aws:ce::123456789012:anomalymonitor/abc',
    rootCauses: [{ linkedAccount: '123456789012', linkedAccountName: 'prod', region: 'eu-west-1', service: 'Amazon Elastic Compute Cloud - Compute', usageType: 'BoxUsage:m5.4xlarge' }],
    subscriptionId: 'sub',
    subscriptionName: 'daily',
  }),
  anomalyNew: JSON.stringify({
    accountId: '123456789012',
    anomalyId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    anomalyStartDate: '2024-05-13T00:00:00Z',
    anomalyEndDate: '2024-05-14T00:00:00Z',
    impact: { totalImpact: 42.5, totalImpactPercentage: 80 },
    rootCauses: [{ service: 'Amazon Simple Storage Service', region: 'us-east-1', usageType: 'TimedStorage-ByteHrs', impact: { contribution: 40.25 } }],
  }),
  budget: [
    'AWS Budget Notification May 15, 2024',
    'AWS Account 123456789012',
    '',
    'Dear AWS Customer,',
    '',
    'You requested that we alert you when the ACTUAL Cost associated with your platform-monthly budget is greater than $80.00 for the current month. The ACTUAL Cost associated with this budget is $85.12. You can find additional information about your budget and its usage in the AWS Billing and Cost Management console: https://console.aws.amazon.com/billing/home#/budgets',
    '',
    'Budget Name: platform-monthly',
    'Budget Type: Cost',
    'Budgeted Amount: $100.00',
    'Alert Type: ACTUAL',
    'Alert Threshold: > $80.00',
    'ACTUAL Amount: $85.12',
  ].join('\n'),
  ec2Event: JSON.stringify({
    'version': '0',
    'id': 'e1',
    'detail-type': 'EC2 Instance State-change Notification',
    'source': 'aws.ec2',
    'account': '123456789012',
    'time': '2024-05-15T10:00:00Z',
    'region': 'eu-west-1',
    'resources': ['arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0'],
    'detail': { 'instance-id': 'i-0123456789abcdef0', 'state': 'stopped' },
  }),
};
