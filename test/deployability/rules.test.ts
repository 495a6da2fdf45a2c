/**
 * Deployability rules (test/helpers/deployability.ts) on both engines' output:
 * (1) nothing found on the real output of every golden scenario and of the parity platform;
 * (2) each rule reports a deliberately broken copy of a real output, naming the resource at fault;
 * (3) two deployments of one app (dev and staging) share no literal physical name.
 * Each output is synthesised once, on first use, and shared by every test that reads it.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Testing, TerraformStack } from 'cdktf';
import { deployabilityFindings, Engine, physicalNames, RuleId, RULES, sharedPhysicalNames } from '../helpers/deployability';
import { goldenPath, readGolden } from '../helpers/golden';
import { unhealthyServices } from '../helpers/images';
import { buildCdk, buildTf } from '../parity/web-scenario';
import { SCENARIOS } from '../upgrade/scenarios';
import { EnvironmentProfile } from 'ecs-platform-constructs';

type Output = Record<string, any>;
const ENGINES: Engine[] = ['cdk', 'cdktf'];

const cache = new Map<string, Output>();
function once(key: string, build: () => Output): Output {
  if (!cache.has(key)) cache.set(key, build());
  return cache.get(key)!;
}

/**
 * A golden scenario's output: its golden file, which test/upgrade/golden.test.ts
 * proves equal to what the code synthesises now (so no second synthesis here).
 */
function golden(name: string, engine: Engine): Output {
  return once(`${name} ${engine}`, () => {
    const file = readGolden(goldenPath(name, engine));
    if (!file) throw new Error(`No golden file for ${name} (${engine}): run \`npm run golden:update\` and commit it.`);
    return file;
  });
}

const parity = (profile: EnvironmentProfile, engine: Engine): Output =>
  once(`parity ${profile} ${engine}`, () => (engine === 'cdk' ? buildCdk(profile) : buildTf(profile)));

/** The web tier (development) deployed twice from one app: dev and staging. */
const WEB_TIER = SCENARIOS.find((s) => s.name === 'web-tier/development')!;
const DEPLOYMENTS = ['web-dev', 'web-staging'] as const;
function deployment(name: (typeof DEPLOYMENTS)[number], engine: Engine): Output {
  if (engine === 'cdk') {
    return once(`${name} cdk`, () => {
      // Each deployment is its own app: the same stack ID, a different stack name.
      const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'epc-dep-')) });
      const stack = new Stack(app, 'Web', { stackName: name });
      WEB_TIER.cdk(stack);
      try {
        return Template.fromStack(stack).toJSON();
      } finally {
        rmSync(app.outdir, { recursive: true, force: true });
      }
    });
  }
  return once(`${name} cdktf`, () => {
    // One app with a stack per deployment.
    const app = Testing.app();
    for (const stackName of DEPLOYMENTS) {
      const stack = new TerraformStack(app, stackName);
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      WEB_TIER.cdktf(stack);
      cache.set(`${stackName} cdktf`, JSON.parse(Testing.synth(stack)));
    }
    return cache.get(`${name} cdktf`)!;
  });
}

const clone = (o: Output): Output => JSON.parse(JSON.stringify(o));
const pairs = (findings: Array<{ rule: string; resource: string }>) => findings.map((f) => [f.rule, f.resource]);

// ---------------------------------------------------------------------------
// (1) Real output: no findings

const REAL_OUTPUTS: Array<[string, Engine, () => Output]> = [
  ...SCENARIOS.flatMap((s) => ENGINES.map((e): [string, Engine, () => Output] => [s.name, e, () => golden(s.name, e)])),
  ...[EnvironmentProfile.DEVELOPMENT, EnvironmentProfile.PRODUCTION].flatMap((p) =>
    ENGINES.map((e): [string, Engine, () => Output] => [`parity platform (${p})`, e, () => parity(p, e)])),
];

test.each(REAL_OUTPUTS)('%s (%s): no deployability findings', (_name, engine, output) => {
  expect(deployabilityFindings(output(), engine)).toEqual([]);
});

// ---------------------------------------------------------------------------
// (2) Broken fixtures: a copy of web-tier/development with exactly one defect

/** The one logical ID `<prefix><8 hex>` of a template. */
function cfnId(t: Output, prefix: string): string {
  const ids = Object.keys(t.Resources).filter((id) => id.startsWith(prefix) && /^[0-9A-F]{8}$/.test(id.slice(prefix.length)));
  if (ids.length !== 1) throw new Error(`expected one resource ${prefix}<hash>, found ${JSON.stringify(ids)}`);
  return ids[0];
}
const cfnProps = (t: Output, prefix: string) => t.Resources[cfnId(t, prefix)].Properties;
/** The one address `<type>.<prefix>_<8 hex>` of a Terraform document. */
function tfAddress(j: Output, type: string, prefix: string): string {
  const names = Object.keys(j.resource?.[type] ?? {}).filter((n) => new RegExp(`^${prefix}_[0-9A-F]{8}$`).test(n));
  if (names.length !== 1) throw new Error(`expected one ${type}.${prefix}_<hash>, found ${JSON.stringify(names)}`);
  return `${type}.${names[0]}`;
}
const tfConfig = (j: Output, address: string) => j.resource[address.split('.')[0]][address.split('.')[1]];
/** Edit a policy that Terraform holds as a JSON string. */
function editTfPolicy(holder: Output, key: string, edit: (doc: Output) => void): void {
  const doc = JSON.parse(holder[key]);
  edit(doc);
  holder[key] = JSON.stringify(doc);
}
const bySid = (doc: Output, sid: string) => {
  const s = doc.Statement.find((x: Output) => x.Sid === sid);
  if (!s) throw new Error(`no statement ${sid}`);
  return s;
};
const tfLocalName = (j: Output, prefix: string) => {
  const names = Object.keys(j.locals).filter((n) => new RegExp(`^${prefix}_[0-9A-F]{8}$`).test(n));
  if (names.length !== 1) throw new Error(`expected one local ${prefix}_<hash>, found ${JSON.stringify(names)}`);
  return names[0];
};

/** [rule, engine, defect, mutate (returns the resource the rule must name)]: every row carries every column. */
type Fixture = [RuleId, Engine, string, (o: Output) => string];

const FIXTURES: Fixture[] = [
  // 1. Alarm topics
  ['ALARM_TOPIC_ADMITS_CLOUDWATCH', 'cdk', 'topic policy without the CloudWatch statement', (t) => {
    const doc = cfnProps(t, 'ClusterAlertsTopicPolicy').PolicyDocument;
    doc.Statement = doc.Statement.filter((s: Output) => s.Sid !== 'AllowCloudWatchAlarmsToPublish');
    return cfnId(t, 'ClusterAlertsTopicPolicy');
  }],
  ['ALARM_TOPIC_ADMITS_CLOUDWATCH', 'cdktf', 'topic policy without the CloudWatch statement', (j) => {
    const address = tfAddress(j, 'aws_sns_topic_policy', 'Cluster_AlertsTopicPolicy');
    editTfPolicy(tfConfig(j, address), 'policy', (doc) => {
      doc.Statement = doc.Statement.filter((s: Output) => s.Sid !== 'AllowCloudWatchAlarmsToPublish');
    });
    return address;
  }],
  ['ALARM_TOPIC_ADMITS_CLOUDWATCH', 'cdk', 'CloudWatch statement without aws:SourceAccount (aws:SourceArn kept)', (t) => {
    delete bySid(cfnProps(t, 'ClusterAlertsTopicPolicy').PolicyDocument, 'AllowCloudWatchAlarmsToPublish').Condition.StringEquals;
    return cfnId(t, 'ClusterAlertsTopicPolicy');
  }],
  ['ALARM_TOPIC_ADMITS_CLOUDWATCH', 'cdktf', 'CloudWatch statement without aws:SourceAccount (aws:SourceArn kept)', (j) => {
    const address = tfAddress(j, 'aws_sns_topic_policy', 'Cluster_AlertsTopicPolicy');
    editTfPolicy(tfConfig(j, address), 'policy', (doc) => delete bySid(doc, 'AllowCloudWatchAlarmsToPublish').Condition.StringEquals);
    return address;
  }],
  ['ALARM_TOPIC_KEY_ADMITS_CLOUDWATCH', 'cdk', 'topic key lets CloudWatch decrypt but not generate data keys', (t) => {
    bySid(cfnProps(t, 'ClusterKey').KeyPolicy, 'AllowCloudWatchAlarmsToEncryptedTopics').Action = 'kms:Decrypt';
    return cfnId(t, 'ClusterKey');
  }],
  ['ALARM_TOPIC_KEY_ADMITS_CLOUDWATCH', 'cdktf', 'topic key lets CloudWatch decrypt but not generate data keys', (j) => {
    const address = tfAddress(j, 'aws_kms_key', 'Cluster_Key');
    editTfPolicy(tfConfig(j, address), 'policy', (doc) => {
      bySid(doc, 'AllowCloudWatchAlarmsToEncryptedTopics').Action = 'kms:Decrypt';
    });
    return address;
  }],
  // 2. Log stream grants
  ['LOG_GRANT_COVERS_STREAMS', 'cdk', 'execution role writes logs to the log group ARN built without ":*"', (t) => {
    const grant = cfnProps(t, 'ApiExecutionRoleDefaultPolicy').PolicyDocument.Statement
      .find((s: Output) => [].concat(s.Action).includes('logs:PutLogEvents' as never));
    grant.Resource = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':',
        { Ref: 'AWS::AccountId' }, ':log-group:', { Ref: cfnId(t, 'ApiLogGroup') }]],
    };
    return cfnId(t, 'ApiExecutionRoleDefaultPolicy');
  }],
  ['LOG_GRANT_COVERS_STREAMS', 'cdktf', 'execution role writes logs to `${aws_cloudwatch_log_group.X.arn}` (no ":*")', (j) => {
    const address = tfAddress(j, 'aws_iam_role_policy', 'Api_ExecutionRolePolicy');
    editTfPolicy(tfConfig(j, address), 'policy', (doc) => {
      const grant = doc.Statement.find((s: Output) => [].concat(s.Action).includes('logs:PutLogEvents' as never));
      grant.Resource = grant.Resource.replace(/:\*$/, '');
    });
    return address;
  }],
  // 3. Internet-facing load balancers after the internet gateway and routes
  ['PUBLIC_LB_AFTER_INTERNET_ROUTES', 'cdk', 'shared load balancer no longer depends on the public default routes', (t) => {
    const lb = t.Resources[cfnId(t, 'IngressLoadBalancer')];
    lb.DependsOn = lb.DependsOn.filter((d: string) => !d.includes('DefaultRoute'));
    return cfnId(t, 'IngressLoadBalancer');
  }],
  ['PUBLIC_LB_AFTER_INTERNET_ROUTES', 'cdktf', 'shared load balancer no longer depends on the internet gateway and routes', (j) => {
    const address = tfAddress(j, 'aws_lb', 'Ingress_LoadBalancer');
    const lb = tfConfig(j, address);
    lb.depends_on = lb.depends_on.filter((d: string) => !/^aws_(internet_gateway|route)\./.test(d));
    return address;
  }],
  ['ALB_AFTER_LOG_BUCKET_POLICY', 'cdk', 'load balancer no longer waits for its access-log bucket policy', (t) => {
    const lb = t.Resources[cfnId(t, 'IngressLoadBalancer')];
    lb.DependsOn = lb.DependsOn.filter((d: string) => d !== cfnId(t, 'IngressAccessLogsPolicy'));
    return cfnId(t, 'IngressLoadBalancer');
  }],
  ['ALB_AFTER_LOG_BUCKET_POLICY', 'cdktf', 'load balancer no longer waits for its access-log bucket policy', (j) => {
    const address = tfAddress(j, 'aws_lb', 'Ingress_LoadBalancer');
    const lb = tfConfig(j, address);
    lb.depends_on = lb.depends_on.filter((d: string) => d !== tfAddress(j, 'aws_s3_bucket_policy', 'Ingress_AccessLogsPolicy'));
    return address;
  }],
  ['SECURITY_GROUP_EGRESS_EXPLICIT', 'cdk', 'load balancer security group without its inline "no traffic" egress', (t) => {
    delete cfnProps(t, 'IngressSecurityGroup').SecurityGroupEgress;
    return cfnId(t, 'IngressSecurityGroup');
  }],
  ['FLOW_LOG_AFTER_ROLE_POLICIES', 'cdk', 'flow log no longer waits for its role\'s policy', (t) => {
    const flowLog = t.Resources[cfnId(t, 'NetworkFlowLog')];
    flowLog.DependsOn = flowLog.DependsOn.filter((d: string) => d !== cfnId(t, 'NetworkFlowLogIAMRoleDefaultPolicy'));
    return cfnId(t, 'NetworkFlowLog');
  }],
  ['FLOW_LOG_AFTER_ROLE_POLICIES', 'cdktf', 'flow log no longer waits for its role\'s policy', (j) => {
    const address = tfAddress(j, 'aws_flow_log', 'Network_FlowLog');
    delete tfConfig(j, address).depends_on;
    return address;
  }],
  ['DEPLOYMENT_ALARMS_EXIST', 'cdk', 'a deployment alarm name that drifted from the alarm\'s own', (t) => {
    cfnProps(t, 'ApiHttp5xxAlarm').AlarmName = 'Golden/Api/Http5xxAlarm-renamed';
    return cfnId(t, 'ApiService');
  }],
  ['DEPLOYMENT_ALARMS_EXIST', 'cdktf', 'a deployment alarm named by a literal no alarm carries', (j) => {
    const address = tfAddress(j, 'aws_ecs_service', 'Api_Service');
    tfConfig(j, address).alarms.alarm_names[0] = 'golden/Api/Http5xxAlarm-renamed';
    return address;
  }],
  // 4. Services wait for their listener rule and role policies
  ['SERVICE_WAITS_FOR_LISTENER_AND_ROLE_POLICIES', 'cdk', 'service no longer waits for its listener rule', (t) => {
    const svc = t.Resources[cfnId(t, 'ApiService')];
    svc.DependsOn = svc.DependsOn.filter((d: string) => d !== cfnId(t, 'ApiListenerRule'));
    return cfnId(t, 'ApiService');
  }],
  ['SERVICE_WAITS_FOR_LISTENER_AND_ROLE_POLICIES', 'cdktf', 'service no longer waits for its listener rule', (j) => {
    const address = tfAddress(j, 'aws_ecs_service', 'Api_Service');
    const svc = tfConfig(j, address);
    svc.depends_on = svc.depends_on.filter((d: string) => d !== tfAddress(j, 'aws_lb_listener_rule', 'Api_ListenerRule'));
    return address;
  }],
  ['SERVICE_WAITS_FOR_LISTENER_AND_ROLE_POLICIES', 'cdk', 'service no longer waits for its task role policy', (t) => {
    const svc = t.Resources[cfnId(t, 'ApiService')];
    svc.DependsOn = svc.DependsOn.filter((d: string) => d !== cfnId(t, 'ApiTaskRoleDefaultPolicy'));
    return cfnId(t, 'ApiService');
  }],
  ['SERVICE_WAITS_FOR_LISTENER_AND_ROLE_POLICIES', 'cdktf', 'service no longer waits for its task role policy', (j) => {
    const address = tfAddress(j, 'aws_ecs_service', 'Api_Service');
    const svc = tfConfig(j, address);
    svc.depends_on = svc.depends_on.filter((d: string) => d !== tfAddress(j, 'aws_iam_role_policy', 'Api_TaskRolePolicy'));
    return address;
  }],
  // 5. Autoscaled services carry no fixed count
  ['AUTOSCALED_SERVICE_HAS_NO_FIXED_COUNT', 'cdk', 'autoscaled service sets DesiredCount', (t) => {
    cfnProps(t, 'ApiService').DesiredCount = 2;
    return cfnId(t, 'ApiService');
  }],
  ['AUTOSCALED_SERVICE_HAS_NO_FIXED_COUNT', 'cdktf', 'autoscaled service no longer ignores desired_count', (j) => {
    const address = tfAddress(j, 'aws_ecs_service', 'Api_Service');
    delete tfConfig(j, address).lifecycle;
    return address;
  }],
  // 6. Access-log buckets
  ['ALB_LOG_BUCKET_SSE_S3', 'cdk', 'access-log bucket encrypted with SSE-KMS', (t) => {
    cfnProps(t, 'IngressAccessLogs').BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm = 'aws:kms';
    return cfnId(t, 'IngressAccessLogs');
  }],
  ['ALB_LOG_BUCKET_SSE_S3', 'cdktf', 'access-log bucket encrypted with SSE-KMS', (j) => {
    const encryption = tfConfig(j, tfAddress(j, 'aws_s3_bucket_server_side_encryption_configuration', 'Ingress_AccessLogsEncryption'));
    encryption.rule[0].apply_server_side_encryption_by_default.sse_algorithm = 'aws:kms';
    return tfAddress(j, 'aws_s3_bucket', 'Ingress_AccessLogs');
  }],
  ['ALB_LOG_BUCKET_ADMITS_LOG_DELIVERY', 'cdk', 'log delivery Service principal only in regions without an ELB account (Fn::If)', (t) => {
    const statement = bySid(cfnProps(t, 'IngressAccessLogsPolicy').PolicyDocument, 'AllowElbLogDelivery');
    statement.Principal.Service = { 'Fn::If': ['EcsPlatformRegionHasElbAccount', { Ref: 'AWS::NoValue' }, statement.Principal.Service] };
    return cfnId(t, 'IngressAccessLogsPolicy');
  }],
  ['ALB_LOG_BUCKET_ADMITS_LOG_DELIVERY', 'cdktf', 'log delivery Service principal missing from the ELB-account branch of the policy', (j) => {
    editTfPolicy(j.locals, tfLocalName(j, 'Ingress_AccessLogsPolicyWithElbAccount'), (doc) => delete bySid(doc, 'AllowElbLogDelivery').Principal.Service);
    return tfAddress(j, 'aws_s3_bucket_policy', 'Ingress_AccessLogsPolicy');
  }],
  ['ALB_LOG_BUCKET_REGION_SAFE', 'cdk', 'ELB account looked up with Fn::FindInMap (inside the Fn::If)', (t) => {
    t.Mappings = { ElbAccounts: { 'eu-west-1': { account: '156460612806' } } };
    const statement = bySid(cfnProps(t, 'IngressAccessLogsPolicy').PolicyDocument, 'AllowElbLogDelivery');
    statement.Principal.AWS['Fn::If'][1] = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::',
        { 'Fn::FindInMap': ['ElbAccounts', { Ref: 'AWS::Region' }, 'account'] }, ':root']],
    };
    return cfnId(t, 'IngressAccessLogsPolicy');
  }],
  ['ALB_LOG_BUCKET_REGION_SAFE', 'cdktf', 'ELB account from data.aws_elb_service_account', (j) => {
    j.data.aws_elb_service_account = { Ingress_ElbAccount_0A1B2C3D: {} };
    editTfPolicy(j.locals, tfLocalName(j, 'Ingress_AccessLogsPolicyWithElbAccount'), (doc) => {
      bySid(doc, 'AllowElbLogDelivery').Principal.AWS = '${data.aws_elb_service_account.Ingress_ElbAccount_0A1B2C3D.arn}';
    });
    return tfAddress(j, 'aws_s3_bucket_policy', 'Ingress_AccessLogsPolicy');
  }],
  ['ALB_LOG_BUCKET_REGION_SAFE', 'cdktf', 'ELB account indexed from the region map without a default', (j) => {
    // The lookup (with its default) sits in one of the load balancer's locals: index the map instead.
    const lookup = /lookup\((local\.[A-Za-z0-9_]+), ([^,]+), "none"\)/;
    const holders = Object.keys(j.locals).filter((n) => n.startsWith('Ingress_') && lookup.test(j.locals[n]));
    if (holders.length !== 1) throw new Error(`expected one Ingress local with the ELB account lookup, found ${JSON.stringify(holders)}`);
    j.locals[holders[0]] = j.locals[holders[0]].replace(lookup, '$1[$2]');
    return tfAddress(j, 'aws_s3_bucket_policy', 'Ingress_AccessLogsPolicy');
  }],
  // 7. Service trust policies
  ['SERVICE_ROLE_TRUST_HAS_SOURCE_CONDITION', 'cdk', 'task role trusts ecs-tasks.amazonaws.com without a condition', (t) => {
    delete cfnProps(t, 'ApiTaskRole').AssumeRolePolicyDocument.Statement[0].Condition;
    return cfnId(t, 'ApiTaskRole');
  }],
  ['SERVICE_ROLE_TRUST_HAS_SOURCE_CONDITION', 'cdktf', 'task role trusts ecs-tasks.amazonaws.com without a condition', (j) => {
    const address = tfAddress(j, 'aws_iam_role', 'Api_TaskRole');
    editTfPolicy(tfConfig(j, address), 'assume_role_policy', (doc) => delete doc.Statement[0].Condition);
    return address;
  }],
  // 8. Service statements in key and topic policies
  ['SERVICE_STATEMENT_HAS_SOURCE_CONDITION', 'cdk', 'key statement for CloudWatch without aws:SourceAccount / aws:SourceArn', (t) => {
    const condition = bySid(cfnProps(t, 'ClusterKey').KeyPolicy, 'AllowCloudWatchAlarmsToEncryptedTopics').Condition;
    delete condition.StringEquals;
    delete condition.ArnLike['aws:SourceArn'];
    return cfnId(t, 'ClusterKey');
  }],
  ['SERVICE_STATEMENT_HAS_SOURCE_CONDITION', 'cdktf', 'key statement for CloudWatch without aws:SourceAccount / aws:SourceArn', (j) => {
    const address = tfAddress(j, 'aws_kms_key', 'Cluster_Key');
    editTfPolicy(tfConfig(j, address), 'policy', (doc) => {
      const condition = bySid(doc, 'AllowCloudWatchAlarmsToEncryptedTopics').Condition;
      delete condition.StringEquals;
      delete condition.ArnLike['aws:SourceArn'];
    });
    return address;
  }],
  ['SERVICE_STATEMENT_HAS_SOURCE_CONDITION', 'cdk', 'key statement for CloudWatch Logs without its encryption-context condition', (t) => {
    delete bySid(cfnProps(t, 'ClusterKey').KeyPolicy, 'AllowCloudWatchLogs').Condition;
    return cfnId(t, 'ClusterKey');
  }],
  ['SERVICE_STATEMENT_HAS_SOURCE_CONDITION', 'cdktf', 'key statement for CloudWatch Logs without its encryption-context condition', (j) => {
    const address = tfAddress(j, 'aws_kms_key', 'Cluster_Key');
    editTfPolicy(tfConfig(j, address), 'policy', (doc) => delete bySid(doc, 'AllowCloudWatchLogs').Condition);
    return address;
  }],
  // 9. Partition DNS suffix
  ['SERVICE_PRINCIPAL_USES_PARTITION_SUFFIX', 'cdk', 'logs principal joined with a literal amazonaws.com', (t) => {
    const parts = bySid(cfnProps(t, 'ClusterKey').KeyPolicy, 'AllowCloudWatchLogs').Principal.Service['Fn::Join'][1];
    parts[parts.length - 1] = 'amazonaws.com';
    return cfnId(t, 'ClusterKey');
  }],
  ['SERVICE_PRINCIPAL_USES_PARTITION_SUFFIX', 'cdk', 'logs principal written with Fn::Sub and a literal amazonaws.com', (t) => {
    bySid(cfnProps(t, 'ClusterKey').KeyPolicy, 'AllowCloudWatchLogs').Principal.Service = { 'Fn::Sub': 'logs.${AWS::Region}.amazonaws.com' };
    return cfnId(t, 'ClusterKey');
  }],
  ['SERVICE_PRINCIPAL_USES_PARTITION_SUFFIX', 'cdktf', 'logs principal with a literal amazonaws.com', (j) => {
    const address = tfAddress(j, 'aws_kms_key', 'Cluster_Key');
    editTfPolicy(tfConfig(j, address), 'policy', (doc) => {
      const statement = bySid(doc, 'AllowCloudWatchLogs');
      statement.Principal.Service = statement.Principal.Service.replace(/\$\{data\.aws_partition\.[A-Za-z0-9_]+\.dns_suffix\}$/, 'amazonaws.com');
    });
    return address;
  }],
  ['SERVICE_PRINCIPAL_USES_PARTITION_SUFFIX', 'cdk', 'kms:ViaService condition with a literal amazonaws.com', (t) => {
    bySid(cfnProps(t, 'ClusterKey').KeyPolicy, 'AllowCloudWatchLogs').Condition.StringEquals = {
      'kms:ViaService': { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
    };
    return cfnId(t, 'ClusterKey');
  }],
  ['SERVICE_PRINCIPAL_USES_PARTITION_SUFFIX', 'cdktf', 'kms:ViaService condition with a literal amazonaws.com', (j) => {
    const address = tfAddress(j, 'aws_kms_key', 'Cluster_Key');
    editTfPolicy(tfConfig(j, address), 'policy', (doc) => {
      const region = /\$\{data\.aws_region\.[A-Za-z0-9_]+\.name\}/.exec(JSON.stringify(doc))![0];
      bySid(doc, 'AllowCloudWatchLogs').Condition.StringEquals = { 'kms:ViaService': `logs.${region}.amazonaws.com` };
    });
    return address;
  }],
];

/** Rules of one engine only, and why the other cannot break them. */
const ONE_ENGINE_ONLY: Record<string, string> = {
  'SECURITY_GROUP_EGRESS_EXPLICIT cdktf': 'Terraform\'s aws_security_group always removes EC2\'s default egress rule',
};

/** Broken copies of data-tier/development (a service and a PostgreSQL database): same columns as FIXTURES. */
const DATA_FIXTURES: Fixture[] = [
  ['DB_AFTER_EXPORT_LOG_GROUPS', 'cdk', 'database no longer waits for its postgresql log group', (t) => {
    const db = t.Resources[cfnId(t, 'MainDbInstance')];
    db.DependsOn = db.DependsOn.filter((d: string) => d !== cfnId(t, 'MainDbLogPostgresql'));
    return cfnId(t, 'MainDbInstance');
  }],
  ['DB_AFTER_EXPORT_LOG_GROUPS', 'cdktf', 'an exported log type without a log group (RDS would create it unencrypted)', (j) => {
    const address = tfAddress(j, 'aws_db_instance', 'MainDb_Instance');
    tfConfig(j, address).enabled_cloudwatch_logs_exports.push('iam-db-auth-error');
    return address;
  }],
  ['DB_PASSWORD_MANAGED_BY_RDS', 'cdk', 'a master password in the template', (t) => {
    const p = cfnProps(t, 'MainDbInstance');
    delete p.ManageMasterUserPassword;
    delete p.MasterUserSecret;
    p.MasterUserPassword = 'change-me-please';
    return cfnId(t, 'MainDbInstance');
  }],
  ['DB_PASSWORD_MANAGED_BY_RDS', 'cdktf', 'a master password in the configuration (and so in the state)', (j) => {
    const address = tfAddress(j, 'aws_db_instance', 'MainDb_Instance');
    tfConfig(j, address).password = 'change-me-please';
    return address;
  }],
];

/** Broken copies of finops-guardrails/development (budgets, anomaly subscription, event rules to its topic). */
const FINOPS_FIXTURES: Fixture[] = [
  ['TOPIC_ADMITS_ITS_PUBLISHERS', 'cdk', 'topic policy without the Budgets statement', (t) => {
    const doc = cfnProps(t, 'FinOpsTopicPolicy').PolicyDocument;
    doc.Statement = doc.Statement.filter((s: Output) => s.Sid !== 'AllowBudgetsToPublish');
    return cfnId(t, 'FinOpsTopicPolicy');
  }],
  ['TOPIC_ADMITS_ITS_PUBLISHERS', 'cdktf', 'Cost Anomaly Detection statement without aws:SourceAccount', (j) => {
    const address = tfAddress(j, 'aws_sns_topic_policy', 'FinOps_TopicPolicy');
    editTfPolicy(tfConfig(j, address), 'policy', (doc) => delete bySid(doc, 'AllowCostAnomalyDetectionToPublish').Condition.StringEquals);
    return address;
  }],
  ['TOPIC_KEY_ADMITS_ITS_PUBLISHERS', 'cdk', 'topic key without the EventBridge statement', (t) => {
    const doc = cfnProps(t, 'FinOpsKey').KeyPolicy;
    doc.Statement = doc.Statement.filter((s: Output) => s.Sid !== 'AllowEventBridgeRulesToEncryptedTopics');
    return cfnId(t, 'FinOpsKey');
  }],
  ['TOPIC_KEY_ADMITS_ITS_PUBLISHERS', 'cdktf', 'topic key lets Budgets decrypt but not generate data keys', (j) => {
    const address = tfAddress(j, 'aws_kms_key', 'FinOps_Key');
    editTfPolicy(tfConfig(j, address), 'policy', (doc) => {
      bySid(doc, 'AllowBudgetsToEncryptedTopics').Action = 'kms:Decrypt';
    });
    return address;
  }],
  ['ACCOUNT_SCOPED_NAME_INCLUDES_REGION', 'cdk', 'a budget named without the region', (t) => {
    cfnProps(t, 'FinOpsBudgetDaily').Budget.BudgetName = 'Test-FinOps-daily';
    return cfnId(t, 'FinOpsBudgetDaily');
  }],
  ['ACCOUNT_SCOPED_NAME_INCLUDES_REGION', 'cdktf', 'a Chatbot channel named without the region', (j) => {
    const address = tfAddress(j, 'aws_chatbot_slack_channel_configuration', 'FinOps_SlackChannel');
    tfConfig(j, address).configuration_name = 'test-FinOps-slack';
    return address;
  }],
  ['FUNCTION_AFTER_ROLE_POLICIES', 'cdk', 'the idle-instances function no longer waits for its role policy', (t) => {
    const id = cfnId(t, 'FinOpsIdleInstancesFunction');
    t.Resources[id].DependsOn = t.Resources[id].DependsOn.filter((d: string) => d !== cfnId(t, 'FinOpsIdleInstancesRoleDefaultPolicy'));
    return id;
  }],
  ['FUNCTION_AFTER_ROLE_POLICIES', 'cdktf', 'the idle-instances function no longer waits for its role policy', (j) => {
    const address = tfAddress(j, 'aws_lambda_function', 'FinOps_IdleInstancesFunction');
    delete tfConfig(j, address).depends_on;
    return address;
  }],
];

test.each(FINOPS_FIXTURES)('%s (%s) reports: %s', (rule, engine, _defect, mutate) => {
  const broken = clone(golden('finops-guardrails/development', engine));
  const resource = mutate(broken);
  expect(pairs(deployabilityFindings(broken, engine))).toEqual([[rule, resource]]);
});

test.each(DATA_FIXTURES)('%s (%s) reports: %s', (rule, engine, _defect, mutate) => {
  const broken = clone(golden('data-tier/development', engine));
  const resource = mutate(broken);
  expect(pairs(deployabilityFindings(broken, engine))).toEqual([[rule, resource]]);
});

/** Broken copies of teleport-cluster/development (a task with a config container, a shared volume and a secret). */
const withoutSecretGrant = (doc: Output) => {
  doc.Statement = doc.Statement.filter((s: Output) => s.Action !== 'secretsmanager:GetSecretValue');
};
const tfContainers = (j: Output, address: string) => JSON.parse(tfConfig(j, address).container_definitions);
const setTfContainers = (j: Output, address: string, containers: Output[]) => {
  tfConfig(j, address).container_definitions = JSON.stringify(containers);
};
const TELEPORT_FIXTURES: Fixture[] = [
  ['TASK_SECRETS_READABLE', 'cdk', 'the execution role may not read the GitHub client secret', (t) => {
    withoutSecretGrant(cfnProps(t, 'TeleportServiceExecutionRoleDefaultPolicy').PolicyDocument);
    return cfnId(t, 'TeleportServiceTaskDefinition');
  }],
  ['TASK_SECRETS_READABLE', 'cdktf', 'the execution role reads another secret than the container\'s', (j) => {
    editTfPolicy(tfConfig(j, tfAddress(j, 'aws_iam_role_policy', 'Teleport_Service_ExecutionRolePolicy')), 'policy', (doc) => {
      doc.Statement.find((s: Output) => s.Action === 'secretsmanager:GetSecretValue').Resource = ['arn:aws:secretsmanager:eu-west-1:111122223333:secret:other-AbCdEf'];
    });
    return tfAddress(j, 'aws_ecs_task_definition', 'Teleport_Service_TaskDefinition');
  }],
  ['TASK_CONTAINER_DEPENDENCIES_VALID', 'cdk', 'the config container Teleport waits for (SUCCESS) is essential', (t) => {
    const containers = cfnProps(t, 'TeleportServiceTaskDefinition').ContainerDefinitions;
    containers.find((c: Output) => c.Name === 'teleport-config').Essential = true;
    return cfnId(t, 'TeleportServiceTaskDefinition');
  }],
  ['TASK_CONTAINER_DEPENDENCIES_VALID', 'cdktf', 'the config container mounts a volume the task does not declare', (j) => {
    const address = tfAddress(j, 'aws_ecs_task_definition', 'Teleport_Service_TaskDefinition');
    const containers = tfContainers(j, address);
    containers[1].mountPoints[0].sourceVolume = 'teleport-configuration';
    setTfContainers(j, address, containers);
    return address;
  }],
  ['TASK_CONTAINER_DEPENDENCIES_VALID', 'cdktf', 'Teleport waits for a container the task does not have', (j) => {
    const address = tfAddress(j, 'aws_ecs_task_definition', 'Teleport_Service_TaskDefinition');
    const containers = tfContainers(j, address);
    containers[0].dependsOn[0].containerName = 'teleport-init';
    setTfContainers(j, address, containers);
    return address;
  }],
];

/** Broken copies of the DevOps Agent scenario's output (an agent space forwarding a service's alarms). */
const AGENT_FIXTURES: Fixture[] = [
  ['LAMBDA_SUBSCRIPTION_DELIVERS', 'cdk', 'SNS may not invoke the forwarder (its permission is gone)', (t) => {
    delete t.Resources[cfnId(t, 'AgentForwarderInvokeFromAlarmTopic1')];
    return cfnId(t, 'AgentInvestigationSubscription1');
  }],
  ['LAMBDA_SUBSCRIPTION_DELIVERS', 'cdktf', 'the filter names an alarm the service does not have', (j) => {
    const address = tfAddress(j, 'aws_sns_topic_subscription', 'Agent_InvestigationSubscription1');
    const config = tfConfig(j, address);
    const filter = JSON.parse(config.filter_policy);
    filter.AlarmName[0] = 'Golden-Api-CpuAlarmm';
    config.filter_policy = JSON.stringify(filter);
    return address;
  }],
];

test.each(AGENT_FIXTURES)('%s (%s) reports: %s', (rule, engine, _defect, mutate) => {
  const broken = clone(golden('devops-agent-space/development', engine));
  const resource = mutate(broken);
  expect(pairs(deployabilityFindings(broken, engine))).toEqual([[rule, resource]]);
});

test.each(TELEPORT_FIXTURES)('%s (%s) reports: %s', (rule, engine, _defect, mutate) => {
  const broken = clone(golden('teleport-cluster/development', engine));
  const resource = mutate(broken);
  expect(pairs(deployabilityFindings(broken, engine))).toEqual([[rule, resource]]);
});

test('every rule has a broken fixture in each engine', () => {
  const covered = new Set([...FIXTURES, ...DATA_FIXTURES, ...FINOPS_FIXTURES, ...TELEPORT_FIXTURES, ...AGENT_FIXTURES].map(([rule, engine]) => `${rule} ${engine}`));
  const missing = RULES.filter((r) => r !== 'PHYSICAL_NAME_UNIQUE_PER_DEPLOYMENT')
    .flatMap((r) => ENGINES.map((e) => `${r} ${e}`)).filter((key) => !covered.has(key) && !(key in ONE_ENGINE_ONLY));
  expect(missing).toEqual([]);
});

test.each(FIXTURES)('%s (%s) reports: %s', (rule, engine, _defect, mutate) => {
  const broken = clone(golden('web-tier/development', engine));
  const resource = mutate(broken);
  // The defect, and nothing else, is reported, at the resource that carries it.
  expect(pairs(deployabilityFindings(broken, engine))).toEqual([[rule, resource]]);
});

test('a Terraform policy written as a template whose expressions hold quotes is read, not skipped', () => {
  // `${lookup(local.m, region, "none")}` inside a policy local makes it invalid JSON until Terraform renders
  // it; a reader that skipped such a branch would miss a defect in it. Here the branch lacks the Service principal.
  const j = clone(golden('web-tier/development', 'cdktf'));
  const name = tfLocalName(j, 'Ingress_AccessLogsPolicyWithElbAccount');
  editTfPolicy(j.locals, name, (doc) => {
    const principal = bySid(doc, 'AllowElbLogDelivery').Principal;
    delete principal.Service;
    principal.AWS = 'arn:aws:iam::__ACCOUNT__:root';
  });
  j.locals[name] = j.locals[name].replace('__ACCOUNT__', '${lookup(local.EcsPlatformElbLogDeliveryAccounts, "eu-west-1", "none")}');
  expect(() => JSON.parse(j.locals[name])).toThrow();
  expect(pairs(deployabilityFindings(j, 'cdktf'))).toEqual([
    ['ALB_LOG_BUCKET_ADMITS_LOG_DELIVERY', tfAddress(j, 'aws_s3_bucket_policy', 'Ingress_AccessLogsPolicy')],
  ]);
});

// ---------------------------------------------------------------------------
// (3) Physical names: two deployments of one app

describe.each(ENGINES)('physical names (%s)', (engine) => {
  test('the web tier sets literal physical names (so the comparison below means something)', () => {
    expect(physicalNames(deployment('web-dev', engine), engine).size).toBeGreaterThan(10);
  });

  test('dev and staging deployments of the web tier share no literal physical name', () => {
    expect(sharedPhysicalNames(deployment('web-dev', engine), deployment('web-staging', engine), engine)).toEqual([]);
  });

  test('a name given to both deployments is caught', () => {
    const dev = deployment('web-dev', engine);
    const staging = clone(deployment('web-staging', engine));
    const baseline = sharedPhysicalNames(dev, staging, engine);
    let devAlarm: string;
    if (engine === 'cdk') {
      devAlarm = cfnId(dev, 'ApiCpuAlarm');
      cfnProps(staging, 'ApiCpuAlarm').AlarmName = dev.Resources[devAlarm].Properties.AlarmName;
    } else {
      devAlarm = tfAddress(dev, 'aws_cloudwatch_metric_alarm', 'Api_CpuAlarm');
      tfConfig(staging, tfAddress(staging, 'aws_cloudwatch_metric_alarm', 'Api_CpuAlarm')).alarm_name = tfConfig(dev, devAlarm).alarm_name;
    }
    const findings = sharedPhysicalNames(dev, staging, engine);
    const sorted = (xs: string[][]) => [...xs].sort((a, b) => a.join().localeCompare(b.join()));
    expect(sorted(pairs(findings))).toEqual(sorted([...pairs(baseline), ['PHYSICAL_NAME_UNIQUE_PER_DEPLOYMENT', devAlarm]]));
  });
});

// ---------------------------------------------------------------------------
// (4) Every fixture service runs a pinned image that serves its container port and health check

test.each(REAL_OUTPUTS)('%s (%s): every service can become healthy', (_name, engine, output) => {
  expect(unhealthyServices(output(), engine)).toEqual([]);
});

/** [engine, defect, mutate (returns the service that must be reported), problem]. */
const UNHEALTHY: Array<[Engine, string, (o: Output) => string, RegExp]> = [
  ['cdk', 'httpd behind a container port of 8080', (t) => {
    cfnProps(t, 'FinOpsTaskDefinition').ContainerDefinitions[0].PortMappings[0].ContainerPort = 8080;
    return cfnId(t, 'FinOpsService');
  }, /serves port 80, the container port is 8080/],
  ['cdktf', 'httpd behind a container port of 8080', (j) => {
    const td = tfConfig(j, tfAddress(j, 'aws_ecs_task_definition', 'FinOps_TaskDefinition'));
    const containers = JSON.parse(td.container_definitions);
    containers[0].portMappings[0].containerPort = 8080;
    td.container_definitions = JSON.stringify(containers);
    return tfAddress(j, 'aws_ecs_service', 'FinOps_Service');
  }, /serves port 80, the container port is 8080/],
  ['cdk', 'a floating image tag', (t) => {
    cfnProps(t, 'FrontendTaskDefinition').ContainerDefinitions[0].Image = 'public.ecr.aws/docker/library/nginx:1.27';
    return cfnId(t, 'FrontendService');
  }, /is not pinned to a full version/],
  ['cdktf', 'Node.js without a server command', (j) => {
    const td = tfConfig(j, tfAddress(j, 'aws_ecs_task_definition', 'Api_TaskDefinition'));
    const containers = JSON.parse(td.container_definitions);
    delete containers[0].command;
    td.container_definitions = JSON.stringify(containers);
    return tfAddress(j, 'aws_ecs_service', 'Api_Service');
  }, /runs no server without a server command/],
  ['cdk', 'nginx probed on a path it does not serve', (t) => {
    cfnProps(t, 'FrontendTargetGroup').HealthCheckPath = '/health';
    return cfnId(t, 'FrontendService');
  }, /does not answer the health check on \/health/],
];

test.each(UNHEALTHY)('a service that cannot become healthy is reported (%s): %s', (engine, _defect, mutate, problem) => {
  const broken = clone(golden('web-tier/development', engine));
  const service = mutate(broken);
  expect(unhealthyServices(broken, engine)).toEqual([{ service, problem: expect.stringMatching(problem) }]);
});
