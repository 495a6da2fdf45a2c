/**
 * Parity normaliser for PlatformCluster, PlatformLoadBalancer and
 * FargateWebService: reads a CloudFormation template or a full Terraform
 * synth (tfSynthFull, which keeps construct paths) into one form that speaks
 * of behaviour — sizes, ports, health checks, routing, who may reach whom,
 * alarm thresholds, scaling bounds, IAM actions, retention — not of spelling.
 */
import { cfnSymbolic, Deployment, DEFAULT_DEPLOYMENT, policyGrants, tfSymbolic } from './symbolic';
import { TfJson } from './terraform';

type Json = Record<string, any>;

/** A resource graph the two engines are read into. */
export interface Graph {
  /** Resources of a kind, keyed by a stable id (CFN logical ID / TF address). */
  all(kind: Kind): Array<[string, Json]>;
  get(id: string): Json;
  /** The id a reference points at (Ref / GetAtt / "${type.name.attr}"), or undefined. */
  ref(value: unknown): string | undefined;
  /** The construct path below the stack: a CFN logical ID's readable prefix, a TF path. */
  pathOf(id: string): string;
  kindOf(id: string): Kind | undefined;
  /** A property value as deployed (pseudo parameters and data sources filled in, references canonical). */
  symbolic(value: unknown, deployment?: Deployment): any;
  /** Every resource `id` is created after: explicit dependencies and references, transitively. */
  closure(id: string): Set<string>;
}

export type Kind = 'service' | 'taskdef' | 'tg' | 'rule' | 'listener' | 'lb' | 'alarm' | 'ingress' | 'egress' | 'sg'
  | 'loggroup' | 'target' | 'policy' | 'iampolicy' | 'cluster' | 'capacity' | 'topic' | 'topicpolicy' | 'role' | 'key'
  | 'bucket' | 'bucketpolicy' | 'igw' | 'route' | 'table' | 'database' | 'discovery' | 'agentspace' | 'secret' | 'function' | 'queue';

const CFN_KIND: Record<string, Kind> = {
  'AWS::ECS::Service': 'service',
  'AWS::ECS::TaskDefinition': 'taskdef',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'tg',
  'AWS::ElasticLoadBalancingV2::ListenerRule': 'rule',
  'AWS::ElasticLoadBalancingV2::Listener': 'listener',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'lb',
  'AWS::CloudWatch::Alarm': 'alarm',
  'AWS::EC2::SecurityGroupIngress': 'ingress',
  'AWS::EC2::SecurityGroupEgress': 'egress',
  'AWS::EC2::SecurityGroup': 'sg',
  'AWS::Logs::LogGroup': 'loggroup',
  'AWS::ApplicationAutoScaling::ScalableTarget': 'target',
  'AWS::ApplicationAutoScaling::ScalingPolicy': 'policy',
  'AWS::IAM::Policy': 'iampolicy',
  'AWS::ECS::Cluster': 'cluster',
  'AWS::ECS::ClusterCapacityProviderAssociations': 'capacity',
  'AWS::SNS::Topic': 'topic',
  'AWS::SNS::TopicPolicy': 'topicpolicy',
  'AWS::IAM::Role': 'role',
  'AWS::KMS::Key': 'key',
  'AWS::S3::Bucket': 'bucket',
  'AWS::S3::BucketPolicy': 'bucketpolicy',
  // The gateway's attachment to the VPC is what a public route waits for.
  'AWS::EC2::VPCGatewayAttachment': 'igw',
  'AWS::EC2::Route': 'route',
  'AWS::DynamoDB::Table': 'table',
  'AWS::RDS::DBInstance': 'database',
  'AWS::ServiceDiscovery::Service': 'discovery',
  'AWS::DevOpsAgent::AgentSpace': 'agentspace',
  'AWS::SecretsManager::Secret': 'secret',
  'AWS::Lambda::Function': 'function',
  'AWS::SQS::Queue': 'queue',
};
const TF_KIND: Record<string, Kind> = {
  aws_ecs_service: 'service',
  aws_ecs_task_definition: 'taskdef',
  aws_lb_target_group: 'tg',
  aws_lb_listener_rule: 'rule',
  aws_lb_listener: 'listener',
  aws_lb: 'lb',
  aws_cloudwatch_metric_alarm: 'alarm',
  aws_vpc_security_group_ingress_rule: 'ingress',
  aws_vpc_security_group_egress_rule: 'egress',
  aws_security_group: 'sg',
  aws_cloudwatch_log_group: 'loggroup',
  aws_appautoscaling_target: 'target',
  aws_appautoscaling_policy: 'policy',
  aws_iam_role_policy: 'iampolicy',
  aws_ecs_cluster: 'cluster',
  aws_ecs_cluster_capacity_providers: 'capacity',
  aws_sns_topic: 'topic',
  aws_sns_topic_policy: 'topicpolicy',
  aws_iam_role: 'role',
  aws_kms_key: 'key',
  aws_s3_bucket: 'bucket',
  aws_s3_bucket_policy: 'bucketpolicy',
  aws_internet_gateway: 'igw',
  aws_route: 'route',
  aws_dynamodb_table: 'table',
  aws_db_instance: 'database',
  aws_service_discovery_service: 'discovery',
  awscc_devopsagent_agent_space: 'agentspace',
  aws_secretsmanager_secret: 'secret',
  aws_lambda_function: 'function',
  aws_sqs_queue: 'queue',
};

/** Construct IDs that differ between the engines for the same resource (aws-cdk-lib's FlowLog names its role IAMRole). */
const CFN_PATH_ALIASES: Array<[RegExp, string]> = [[/FlowLogIAMRole$/, 'FlowLogRole']];

function cfnGraph(template: Json): Graph {
  const res: Record<string, Json> = template.Resources;
  const g: Graph = {
    all: (kind) => Object.entries(res).filter(([, r]) => CFN_KIND[r.Type] === kind).map(([id, r]) => [id, r.Properties ?? {}]),
    get: (id) => res[id].Properties ?? {},
    ref: (v: any) => (typeof v?.Ref === 'string' ? v.Ref : Array.isArray(v?.['Fn::GetAtt']) ? v['Fn::GetAtt'][0] : undefined),
    // Logical IDs are the path's components joined, plus an 8-hex hash.
    pathOf: (id) => CFN_PATH_ALIASES.reduce((path, [re, alias]) => path.replace(re, alias), id.replace(/[0-9A-F]{8}$/, '')),
    kindOf: (id) => CFN_KIND[res[id]?.Type],
    symbolic: (value, deployment) => cfnSymbolic(template, value, g, deployment),
    closure: (id) => closureOf(id, (x) => {
      const direct = new Set<string>([res[x]?.DependsOn ?? []].flat());
      JSON.stringify(res[x]?.Properties ?? {}).replace(/"(?:Ref|Fn::GetAtt)":\s*(?:\[\s*)?"([A-Za-z0-9]+)"/g, (_, d) => (direct.add(d), ''));
      return [...direct].filter((d) => d in res);
    }),
  };
  return g;
}

function closureOf(id: string, direct: (id: string) => string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (x: string) => {
    for (const d of direct(x)) {
      if (!seen.has(d)) {
        seen.add(d);
        visit(d);
      }
    }
  };
  visit(id);
  return seen;
}

function tfGraph(json: TfJson): Graph {
  const byAddress: Record<string, Json> = {};
  for (const [type, resources] of Object.entries<Json>(json.resource ?? {})) {
    for (const [name, config] of Object.entries<Json>(resources)) byAddress[`${type}.${name}`] = config;
  }
  const locals: Record<string, unknown> = json.locals ?? {};
  /** Resource addresses a value refers to, through locals too. */
  const referencesIn = (value: unknown): string[] => {
    const text = JSON.stringify(value ?? null);
    const found = [...text.matchAll(/\b(awscc_[a-z0-9_]+\.[A-Za-z0-9_-]+|aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z_]+/g)].map((m) => m[1]);
    const viaLocals = [...text.matchAll(/\blocal\.([A-Za-z0-9_]+)/g)].flatMap((m) => referencesIn(locals[m[1]]));
    return [...found, ...viaLocals].filter((a) => !a.startsWith('data.'));
  };
  const g: Graph = {
    all: (kind) => Object.entries(byAddress).filter(([a]) => TF_KIND[a.split('.')[0]] === kind),
    get: (id) => byAddress[id],
    ref: (v) => {
      const m = typeof v === 'string' ? /\$\{((?!data\.)[a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z_]+\}/.exec(v) : null;
      return m ? m[1] : undefined;
    },
    pathOf: (id) => {
      const path: string = byAddress[id]?.['//']?.metadata?.path ?? '';
      // Joined as aws-cdk-lib joins logical IDs: a component its parent's name ends with appears once (StateTable/Table).
      // Logical IDs keep letters and digits only (App-api: Appapi).
      return path.split('/').slice(1).filter((c, i, all) => i === 0 || !all[i - 1].endsWith(c)).join('').replace(/[^A-Za-z0-9]/g, '');
    },
    kindOf: (id) => TF_KIND[id.split('.')[0]],
    symbolic: (value, deployment) => tfSymbolic(json, value, g, deployment),
    closure: (id) => closureOf(id, (x) => {
      const { depends_on: dependsOn, ...config } = byAddress[x] ?? {};
      return [...new Set([...(dependsOn ?? []), ...referencesIn(config)])].filter((a) => a in byAddress && a !== x);
    }),
  };
  return g;
}

/** CloudFormation's PascalCase keys in ECS's camelCase; intrinsic functions (Ref, Fn::*) are left as they are. */
const lowerFirst = (o: any): any => Array.isArray(o) ? o.map(lowerFirst) : o && typeof o === 'object'
  ? Object.fromEntries(Object.entries(o).map(([k, v]) =>
    k === 'Ref' || k.startsWith('Fn::') ? [k, v] : [k[0].toLowerCase() + k.slice(1), lowerFirst(v)]))
  : o;
const num = (v: unknown) => (v === undefined ? undefined : Number(v));
const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const asList = (v: unknown): any[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export interface NormalisedPlatform {
  readonly cluster: Json;
  readonly loadBalancers: Record<string, Json>;
  readonly services: Record<string, Json>;
}

/** The resource graph of either engine's output (a CloudFormation template, or a full Terraform synth). */
export function graphOf(output: Json, engine: 'cfn' | 'tf'): Graph {
  return engine === 'cfn' ? cfnGraph(output) : tfGraph(output);
}

/** A role's trust policy and inline grants as deployed (sorted grant strings), by the role's resource id. */
export function roleGrants(g: Graph, roleId: string, engine: 'cfn' | 'tf'): { trust: string[]; grants: string[] } {
  return roleDocuments(g, roleId, engine === 'cfn');
}

/** A KMS key's policy as deployed (sorted grant strings). */
export function keyPolicyGrants(g: Graph, keyId: string): string[] {
  return policyGrants(documentOf(g, g.get(keyId), 'KeyPolicy', 'policy'));
}

/** `within`: the constructs' parent below the stack (a SpecPlatform's `Platform`), left out of every path. */
export function normaliseCfnPlatform(template: Json, within = ''): NormalisedPlatform {
  return normalise(below(cfnGraph(template), within), 'cfn');
}

export function normaliseTfPlatform(json: TfJson, within = ''): NormalisedPlatform {
  return normalise(below(tfGraph(json), within), 'tf');
}

/** The graph with construct paths read below `within`. */
function below(g: Graph, within: string): Graph {
  if (!within) return g;
  return { ...g, pathOf: (id) => g.pathOf(id).replace(new RegExp(`^${within}`), '') };
}

function normalise(g: Graph, engine: 'cfn' | 'tf'): NormalisedPlatform {
  const cfn = engine === 'cfn';
  const pick = (r: Json, cfnKey: string, tfKey: string) => (cfn ? r[cfnKey] : r[tfKey]);

  // ---- cluster
  const [[clusterId, cluster]] = g.all('cluster');
  const [[, capacity]] = g.all('capacity');
  const exec = cfn ? cluster.Configuration.ExecuteCommandConfiguration : cluster.configuration.execute_command_configuration;
  const execLog = g.get(g.ref(cfn ? exec.LogConfiguration.CloudWatchLogGroupName : exec.log_configuration.cloud_watch_log_group_name)!);
  const [[topicId, topic]] = g.all('topic');
  const [[keyId]] = g.all('key').filter(([id]) => g.pathOf(id) === 'ClusterKey');
  const topicPolicies = g.all('topicpolicy').filter(([, p]) => asList(pick(p, 'Topics', 'arn')).some((t) => g.ref(t) === topicId));
  const normCluster = {
    containerInsights: (pick(cluster, 'ClusterSettings', 'setting') ?? []).map((s: Json) => `${s.Name ?? s.name}=${s.Value ?? s.value}`),
    capacityProviders: pick(capacity, 'CapacityProviders', 'capacity_providers'),
    defaultStrategy: lowerFirst(pick(capacity, 'DefaultCapacityProviderStrategy', 'default_capacity_provider_strategy'))
      .map((s: Json) => ({ provider: s.capacityProvider ?? s.capacity_provider, base: s.base, weight: s.weight })),
    execLogging: {
      mode: pick(exec, 'Logging', 'logging'),
      encryptedSessions: Boolean(pick(exec, 'KmsKeyId', 'kms_key_id')),
      retentionDays: pick(execLog, 'RetentionInDays', 'retention_in_days'),
      logEncrypted: Boolean(pick(execLog, 'KmsKeyId', 'kms_key_id')),
    },
    alertsTopicEncrypted: Boolean(pick(topic, 'KmsMasterKeyId', 'kms_master_key_id')),
    // Who may publish to the alerts topic and use its key: the topic policy replaces SNS's default one.
    alertsTopicPolicy: topicPolicies.flatMap(([, p]) => policyGrants(documentOf(g, p, 'PolicyDocument', 'policy'))),
    keyPolicy: policyGrants(documentOf(g, g.get(keyId), 'KeyPolicy', 'policy')),
  };
  void clusterId;

  // ---- load balancers, keyed by construct path
  const lbKey = (id: string) => g.pathOf(id).replace(/LoadBalancer$/, '') || 'LoadBalancer';
  const loadBalancers: Record<string, Json> = {};
  const sgOfLb: Record<string, string> = {};
  for (const [id, lb] of g.all('lb')) {
    const attrs: Record<string, string> = cfn
      ? Object.fromEntries((lb.LoadBalancerAttributes ?? []).map((a: Json) => [a.Key, String(a.Value?.Ref ? '<bucket>' : a.Value)]))
      : {
        'deletion_protection.enabled': String(lb.enable_deletion_protection ?? false),
        'idle_timeout.timeout_seconds': String(lb.idle_timeout),
        'routing.http.drop_invalid_header_fields.enabled': String(lb.drop_invalid_header_fields),
        'routing.http.desync_mitigation_mode': lb.desync_mitigation_mode,
        'access_logs.s3.enabled': String(lb.access_logs?.enabled),
        'access_logs.s3.bucket': '<bucket>',
        'access_logs.s3.prefix': lb.access_logs?.prefix,
      };
    const sg = g.ref(asList(pick(lb, 'SecurityGroups', 'security_groups'))[0])!;
    sgOfLb[id] = sg;
    const listeners = g.all('listener').filter(([, l]) => g.ref(pick(l, 'LoadBalancerArn', 'load_balancer_arn')) === id).map(([, l]) => {
      const action = lowerFirst(asList(pick(l, 'DefaultActions', 'default_action'))[0]);
      const redirect = action.redirectConfig ?? action.redirect;
      const fixed = action.fixedResponseConfig ?? action.fixed_response;
      return {
        port: pick(l, 'Port', 'port'),
        protocol: pick(l, 'Protocol', 'protocol'),
        sslPolicy: pick(l, 'SslPolicy', 'ssl_policy'),
        default: action.type === 'redirect' ? `redirect ${redirect.protocol}:${redirect.port} ${redirect.statusCode ?? redirect.status_code}`
          : action.type === 'fixed-response' ? `fixed ${fixed.statusCode ?? fixed.status_code}` : `forward ${lbKeyOfTg(g, g.ref(action.targetGroupArn ?? action.target_group_arn)!)}`,
      };
    });
    // The access-log bucket and its policy, as deployed in a region with a regional ELB account and one without.
    const bucketId = cfn
      ? g.ref((lb.LoadBalancerAttributes ?? []).find((a: Json) => a.Key === 'access_logs.s3.bucket')?.Value)
      : g.ref(lb.access_logs?.bucket);
    const bucketPolicies = g.all('bucketpolicy').filter(([, p]) => g.ref(pick(p, 'Bucket', 'bucket')) === bucketId);
    const closure = g.closure(id);
    const gatewayRoutes = g.all('route').filter(([, r]) => g.kindOf(g.ref(pick(r, 'GatewayId', 'gateway_id')) ?? '') === 'igw'
      || (cfn && g.ref(r.GatewayId) !== undefined));
    loadBalancers[lbKey(id)] = {
      internetFacing: cfn ? lb.Scheme === 'internet-facing' : lb.internal === false,
      subnetTier: [...new Set(asList(pick(lb, 'Subnets', 'subnets')).map((subnet) => /Public/.test(g.pathOf(g.ref(subnet) ?? '')) ? 'public'
        : /Private/.test(g.pathOf(g.ref(subnet) ?? '')) ? 'private' : 'other'))],
      // Created after the internet gateway and every route to it (else "VPC has no internet gateway").
      afterInternetGateway: g.all('igw').length > 0 && g.all('igw').every(([igw]) => closure.has(igw))
        && gatewayRoutes.every(([route]) => closure.has(route)),
      attributes: attrs,
      listeners: sorted(listeners),
      ingress: sorted(ingressOf(g, sg, cfn).map((r) => `${r.port} from ${r.cidr ?? 'sg'}`)),
      // aws-cdk-lib empties a DEVELOPMENT bucket on deletion with its own custom resource, whose role the
      // policy admits; Terraform's force_destroy needs no grant. Those grants are not the library's behaviour.
      accessLogPolicy: Object.fromEntries(['us-east-1', 'ap-south-2'].map((region) => [region,
        bucketPolicies.flatMap(([, p]) => policyGrants(documentOf(g, p, 'PolicyDocument', 'policy', { ...DEFAULT_DEPLOYMENT, region })))
          .filter((grant) => !/CustomResourceProviderRole/.test(grant))])),
    };
  }

  // ---- services, keyed by construct path
  const services: Record<string, Json> = {};
  for (const [id, svc] of g.all('service')) {
    const key = g.pathOf(id).replace(/Service$/, '');
    const td = g.get(g.ref(pick(svc, 'TaskDefinition', 'task_definition'))!);
    const [container] = cfn ? lowerFirst(td.ContainerDefinitions) : JSON.parse(td.container_definitions);
    // A worker (FargateWorkerService) has no load balancer, so no target group, routing or listener.
    const lbList = asList(pick(svc, 'LoadBalancers', 'load_balancer'));
    const lbConf = lbList.length > 0 ? lowerFirst(lbList[0]) : undefined;
    const tgId = lbConf ? g.ref(lbConf.targetGroupArn ?? lbConf.target_group_arn)! : undefined;
    const tg = tgId ? g.get(tgId) : undefined;
    const hc = !tg ? undefined : cfn
      ? {
        path: tg.HealthCheckPath,
        interval: tg.HealthCheckIntervalSeconds,
        timeout: tg.HealthCheckTimeoutSeconds,
        healthy: tg.HealthyThresholdCount,
        unhealthy: tg.UnhealthyThresholdCount,
        matcher: tg.Matcher?.HttpCode,
        port: tg.HealthCheckPort,
      }
      : {
        path: tg.health_check.path,
        interval: tg.health_check.interval,
        timeout: tg.health_check.timeout,
        healthy: tg.health_check.healthy_threshold,
        unhealthy: tg.health_check.unhealthy_threshold,
        matcher: tg.health_check.matcher,
        port: tg.health_check.port,
      };
    const dereg = !tg ? undefined : cfn ? (tg.TargetGroupAttributes ?? []).find((a: Json) => a.Key === 'deregistration_delay.timeout_seconds')?.Value : tg.deregistration_delay;
    const rules = !tgId ? [] : g.all('rule').filter(([, r]) => asList(pick(r, 'Actions', 'action')).some((a: Json) => g.ref(a.TargetGroupArn ?? a.target_group_arn) === tgId));
    const routing = rules.map(([, r]) => {
      const conds = lowerFirst(asList(pick(r, 'Conditions', 'condition')));
      const values = (field: string, tfKey: string, cfnCfg: string) => conds.flatMap((c: Json) =>
        c.field === field ? c[cfnCfg]?.values ?? c.values ?? [] : c[tfKey]?.values ?? []);
      const listener = g.get(g.ref(pick(r, 'ListenerArn', 'listener_arn'))!);
      return {
        priority: pick(r, 'Priority', 'priority'),
        listenerPort: pick(listener, 'Port', 'port'),
        paths: values('path-pattern', 'path_pattern', 'pathPatternConfig'),
        hosts: values('host-header', 'host_header', 'hostHeaderConfig'),
      };
    });
    const net = cfn ? svc.NetworkConfiguration.AwsvpcConfiguration : svc.network_configuration;
    const sgId = g.ref(asList(pick(net, 'SecurityGroups', 'security_groups'))[0])!;
    const deploy = cfn ? svc.DeploymentConfiguration : {
      MinimumHealthyPercent: svc.deployment_minimum_healthy_percent,
      MaximumPercent: svc.deployment_maximum_percent,
      DeploymentCircuitBreaker: { Enable: svc.deployment_circuit_breaker?.enable, Rollback: svc.deployment_circuit_breaker?.rollback },
      Alarms: { AlarmNames: svc.alarms?.alarm_names, Enable: svc.alarms?.enable, Rollback: svc.alarms?.rollback },
    };
    // A deployment alarm is named literally (CDK) or referenced (Terraform).
    const alarmIdOf = (name: unknown) => g.ref(name)
      ?? g.all('alarm').find(([, a]) => pick(a, 'AlarmName', 'alarm_name') === name)?.[0]
      ?? `unknown alarm ${JSON.stringify(name)}`;
    const alarmKey = (alarmId: string) => g.pathOf(alarmId).replace(new RegExp(`^${key}`), '').replace(/Alarm$/, '');
    const alarms: Record<string, Json> = {};
    for (const [alarmId, a] of g.all('alarm').filter(([aid]) => g.pathOf(aid).startsWith(key))) {
      const dims = cfn ? (a.Dimensions ?? []).map((d: Json) => d.Name) : Object.keys(a.dimensions ?? {});
      alarms[alarmKey(alarmId)] = {
        namespace: pick(a, 'Namespace', 'namespace'),
        metric: pick(a, 'MetricName', 'metric_name').replace(/^ErrorLogLines-.*/, 'ErrorLogLines-<path>'),
        statistic: pick(a, 'Statistic', 'statistic'),
        threshold: pick(a, 'Threshold', 'threshold'),
        comparison: pick(a, 'ComparisonOperator', 'comparison_operator'),
        evaluationPeriods: pick(a, 'EvaluationPeriods', 'evaluation_periods'),
        period: pick(a, 'Period', 'period'),
        treatMissingData: pick(a, 'TreatMissingData', 'treat_missing_data'),
        dimensions: dims.sort(),
        actions: asList(pick(a, 'AlarmActions', 'alarm_actions')).length,
        okActions: asList(pick(a, 'OKActions', 'ok_actions')).length,
      };
    }
    const targets = g.all('target').filter(([, t]) => JSON.stringify(pick(t, 'ResourceId', 'resource_id')).includes(cfn ? id : id.split('.')[1]));
    const autoScaling = targets.map(([tid, t]) => ({
      min: pick(t, 'MinCapacity', 'min_capacity'),
      max: pick(t, 'MaxCapacity', 'max_capacity'),
      policies: sorted(g.all('policy').filter(([, p]) => cfn ? g.ref(p.ScalingTargetId) === tid : g.ref(p.resource_id) === tid).map(([, p]) => {
        const c = lowerFirst(pick(p, 'TargetTrackingScalingPolicyConfiguration', 'target_tracking_scaling_policy_configuration'));
        return `${(c.predefinedMetricSpecification ?? c.predefined_metric_specification)[cfn ? 'predefinedMetricType' : 'predefined_metric_type']} ${c.targetValue ?? c.target_value}`;
      })),
    }))[0];
    const logGroup = g.get(g.ref(container.logConfiguration.options['awslogs-group'])!);
    const serviceClosure = g.closure(id);
    const listenerOrRule = !tgId ? [] : [...rules.map(([rid]) => rid), ...g.all('listener').filter(([, l]) =>
      asList(pick(l, 'DefaultActions', 'default_action')).some((a: Json) => g.ref(a.TargetGroupArn ?? a.target_group_arn) === tgId)).map(([lid]) => lid)];
    const rolePolicies = [pick(td, 'ExecutionRoleArn', 'execution_role_arn'), pick(td, 'TaskRoleArn', 'task_role_arn')]
      .flatMap((arn) => policiesOf(g, g.ref(arn)!, cfn).map(([pid]) => pid));
    const scaled = targets.length > 0;
    services[key] = {
      cpu: num(pick(td, 'Cpu', 'cpu')),
      memoryMiB: num(pick(td, 'Memory', 'memory')),
      runtime: cfn ? td.RuntimePlatform && `${td.RuntimePlatform.OperatingSystemFamily}/${td.RuntimePlatform.CpuArchitecture}`
        : td.runtime_platform && `${td.runtime_platform.operating_system_family}/${td.runtime_platform.cpu_architecture}`,
      ephemeralStorageGiB: cfn ? td.EphemeralStorage?.SizeInGiB : td.ephemeral_storage?.size_in_gib,
      container: {
        name: container.name,
        image: container.image,
        entryPoint: container.entryPoint,
        command: container.command,
        essential: container.essential,
        ports: container.portMappings,
        // References (a granted database's address, a table's name) as deployed, the same in both engines.
        environment: sorted((container.environment ?? []).map((e: Json) => ({ name: e.name, value: g.symbolic(e.value) }))),
        secrets: sorted((container.secrets ?? []).map((e: Json) => ({ name: e.name, valueFrom: g.symbolic(e.valueFrom) }))),
        healthCheck: container.healthCheck,
        logDriver: container.logConfiguration.logDriver,
        streamPrefix: container.logConfiguration.options['awslogs-stream-prefix'],
      },
      // Fixed, or left to the scaler (CloudFormation: no DesiredCount; Terraform: desired_count ignored after create).
      desiredCount: scaled && (cfn ? svc.DesiredCount === undefined : asList(svc.lifecycle?.ignore_changes).includes('desired_count'))
        ? 'scaler' : pick(svc, 'DesiredCount', 'desired_count'),
      waitsFor: {
        listenerOrRule: !tgId ? 'no load balancer' : listenerOrRule.length > 0 && listenerOrRule.every((x) => serviceClosure.has(x)),
        rolePolicies: rolePolicies.length > 0 && rolePolicies.every((x) => serviceClosure.has(x)),
      },
      capacityProviderStrategy: sorted(lowerFirst(pick(svc, 'CapacityProviderStrategy', 'capacity_provider_strategy'))
        .map((s: Json) => ({ provider: s.capacityProvider ?? s.capacity_provider, base: s.base ?? 0, weight: s.weight }))),
      deployment: {
        minimumHealthyPercent: deploy.MinimumHealthyPercent,
        maximumPercent: deploy.MaximumPercent,
        circuitBreaker: deploy.DeploymentCircuitBreaker,
        alarms: asList(deploy.Alarms?.AlarmNames).map((n) => alarmKey(alarmIdOf(n))).sort(),
        // No deployment alarms: aws-cdk-lib writes them disabled, Terraform leaves the block out (the same behaviour).
        alarmsEnabled: asList(deploy.Alarms?.AlarmNames).length > 0 ? deploy.Alarms?.Enable : undefined,
        alarmsRollback: asList(deploy.Alarms?.AlarmNames).length > 0 ? deploy.Alarms?.Rollback : undefined,
      },
      execEnabled: pick(svc, 'EnableExecuteCommand', 'enable_execute_command'),
      publicIp: cfn ? net.AssignPublicIp === 'ENABLED' : net.assign_public_ip === true,
      subnets: asList(pick(net, 'Subnets', 'subnets')).length,
      gracePeriod: pick(svc, 'HealthCheckGracePeriodSeconds', 'health_check_grace_period_seconds'),
      targetGroup: !tg || !tgId ? undefined : {
        port: pick(tg, 'Port', 'port'),
        protocol: pick(tg, 'Protocol', 'protocol'),
        targetType: pick(tg, 'TargetType', 'target_type'),
        healthCheck: hc,
        deregistrationDelaySeconds: num(dereg),
        loadBalancer: lbKeyOfTg(g, tgId),
      },
      routing: sorted(routing),
      ingress: sorted(ingressOf(g, sgId, cfn).map((r) => `${r.port} from ${r.sourceSg ? (Object.values(sgOfLb).includes(r.sourceSg) ? 'load balancer' : g.pathOf(r.sourceSg)) : r.cidr}`)),
      loadBalancerEgress: sorted(g.all('egress').filter(([, e]) => g.ref(pick(e, 'DestinationSecurityGroupId', 'referenced_security_group_id')) === sgId)
        .map(([, e]) => pick(e, 'FromPort', 'from_port'))),
      log: { retentionDays: pick(logGroup, 'RetentionInDays', 'retention_in_days'), encrypted: Boolean(pick(logGroup, 'KmsKeyId', 'kms_key_id')) },
      alarms,
      autoScaling,
      executionRole: iamOf(g, pick(td, 'ExecutionRoleArn', 'execution_role_arn'), cfn),
      taskRole: iamOf(g, pick(td, 'TaskRoleArn', 'task_role_arn'), cfn),
      // The same, as whole documents: every grant with its resource, principal and condition as deployed.
      executionRoleGrants: roleDocuments(g, g.ref(pick(td, 'ExecutionRoleArn', 'execution_role_arn'))!, cfn),
      taskRoleGrants: roleDocuments(g, g.ref(pick(td, 'TaskRoleArn', 'task_role_arn'))!, cfn),
    };
  }
  return { cluster: normCluster, loadBalancers, services };
}

function lbKeyOfTg(g: Graph, tgId: string): string {
  // A target group belongs to the load balancer whose listener (or listener rule) forwards to it.
  for (const [, r] of [...g.all('rule'), ...g.all('listener')]) {
    const actions = asList(r.Actions ?? r.action ?? r.DefaultActions ?? r.default_action);
    if (!actions.some((a: Json) => g.ref(a.TargetGroupArn ?? a.target_group_arn) === tgId)) continue;
    const listenerId = g.ref(r.ListenerArn ?? r.listener_arn);
    const listener = listenerId ? g.get(listenerId) : r;
    const lbId = g.ref(listener.LoadBalancerArn ?? listener.load_balancer_arn)!;
    return g.pathOf(lbId).replace(/LoadBalancer$/, '') || 'LoadBalancer';
  }
  return 'none';
}

/** Ingress rules of a security group: inline (CFN), separate rule resources (both). */
function ingressOf(g: Graph, sgId: string, cfn: boolean): Array<{ port: number; cidr?: string; sourceSg?: string }> {
  const out: Array<{ port: number; cidr?: string; sourceSg?: string }> = [];
  const sg = g.get(sgId);
  for (const r of cfn ? sg.SecurityGroupIngress ?? [] : sg.ingress ?? []) {
    out.push({ port: r.FromPort ?? r.from_port, cidr: r.CidrIp ?? r.cidr_blocks?.[0] });
  }
  for (const [, r] of g.all('ingress')) {
    if (g.ref(cfn ? r.GroupId : r.security_group_id) !== sgId) continue;
    const source = g.ref(cfn ? r.SourceSecurityGroupId : r.referenced_security_group_id);
    out.push({ port: cfn ? r.FromPort : r.from_port, cidr: cfn ? r.CidrIp : r.cidr_ipv4, sourceSg: source });
  }
  return out;
}

/** An IAM document property as deployed: CloudFormation's object, Terraform's JSON string. */
function documentOf(g: Graph, resource: Json, cfnKey: string, tfKey: string, deployment?: Deployment): any {
  const value = g.symbolic(resource[cfnKey] ?? resource[tfKey], deployment);
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** The inline policies attached to a role: AWS::IAM::Policy (Roles) / aws_iam_role_policy (role). */
function policiesOf(g: Graph, roleId: string, cfn: boolean): Array<[string, Json]> {
  return g.all('iampolicy').filter(([, p]) => (cfn ? asList(p.Roles).map((r) => g.ref(r)) : [g.ref(p.role)]).includes(roleId));
}

/** A role's trust policy and its inline grants, as sorted grant strings. */
function roleDocuments(g: Graph, roleId: string, cfn: boolean): { trust: string[]; grants: string[] } {
  const role = g.get(roleId);
  return {
    trust: policyGrants(documentOf(g, role, 'AssumeRolePolicyDocument', 'assume_role_policy')),
    grants: [...new Set(policiesOf(g, roleId, cfn).flatMap(([, p]) => policyGrants(documentOf(g, p, 'PolicyDocument', 'policy'))))].sort(),
  };
}

/** A role's inline grants: action -> resources that are literal ARNs or '*' (references read as '<ref>'). */
function iamOf(g: Graph, roleArn: unknown, cfn: boolean): Record<string, string[]> {
  const roleId = g.ref(roleArn)!;
  const grants: Record<string, Set<string>> = {};
  for (const [, p] of g.all('iampolicy')) {
    const roles = cfn ? asList(p.Roles).map((r) => g.ref(r)) : [g.ref(p.role)];
    if (!roles.includes(roleId)) continue;
    const doc = cfn ? p.PolicyDocument : JSON.parse(p.policy);
    for (const s of doc.Statement) {
      for (const action of asList(s.Action)) {
        grants[action] ??= new Set();
        for (const resource of asList(s.Resource)) grants[action].add(typeof resource === 'string' && !resource.includes('${') ? resource : '<ref>');
      }
    }
  }
  return Object.fromEntries(Object.entries(grants).sort(([a], [b]) => a.localeCompare(b)).map(([a, r]) => [a, [...r].sort()]));
}
