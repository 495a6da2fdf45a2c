import {
  Annotations, Aws, CfnCondition, CfnResource, Duration, Fn, ICfnConditionExpression, RemovalPolicy, Stack, Token, Validations,
} from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  acknowledgeAutoDeleteProvider,
  cdkPlatformRef,
  checkCdkProps,
  markCdkConstruct,
} from './engine';
import { PlatformNetwork } from './platform-network';
import { EnvironmentProfile } from '../constructs/environment-profile';
import { duplicateRulePriorities, LoadBalancerPlan, LOAD_BALANCER_OPTIONS_SCHEMA, PlatformLoadBalancerOptions, planLoadBalancer } from '../constructs/platform-load-balancer';
import { accountRootArn, allowElbLogDelivery, ELB_LOG_DELIVERY_ACCOUNTS } from '../constructs/policies';
import { S } from '../constructs/prop-schema';

/** Props of the AWS CDK PlatformLoadBalancer. */
export interface PlatformLoadBalancerProps extends PlatformLoadBalancerOptions {
  /** The network whose public subnets the load balancer sits in. */
  readonly network: PlatformNetwork;
}

/** aws-cdk-lib's placeholder egress rule that matches no traffic (ICMP type 252, code 86, to the broadcast address). */
const NO_TRAFFIC_EGRESS = { CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic', IpProtocol: 'icmp', FromPort: 252, ToPort: 86 };

/** aws-cdk-lib's warning when a listener's default action is replaced. */
const DEFAULT_ACTION_REPLACED = '@aws-cdk/aws-elbv2:listenerExistingDefaultActionReplaced';

/**
 * An Application Load Balancer: internet-facing in the network's public
 * subnets, or internal in its private subnets (`internal`), shared by FargateWebServices through listener rules (or owned by
 * one service).
 *
 * HTTPS on 443 with HTTP 80 redirecting to it when a certificate or a domain
 * is given, plain HTTP on 80 otherwise; unmatched requests get a 404. Access
 * logs go to an S3 bucket; the security group opens only the listener ports,
 * and lets traffic out only to the services attached.
 */
export class PlatformLoadBalancer extends Construct {
  /** The network the load balancer sits in. */
  public readonly network: PlatformNetwork;
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The load balancer. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The load balancer's ARN. */
  public readonly loadBalancerArn: string;
  /** The load balancer's DNS name. */
  public readonly dnsName: string;
  /** The listener services attach to: HTTPS when there is a certificate, else HTTP. */
  public readonly listener: elbv2.ApplicationListener;
  /** The HTTP listener on 80 (redirecting to HTTPS when there is a certificate). */
  public readonly httpListener: elbv2.ApplicationListener;
  /** The HTTPS listener on 443, when there is a certificate. */
  public readonly httpsListener?: elbv2.ApplicationListener;
  /** The load balancer's security group. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The security group's ID. */
  public readonly securityGroupId: string;
  /** The S3 bucket receiving the access logs. */
  public readonly accessLogBucket: s3.Bucket;
  /** The certificate: the one given by ARN, or the one created for `domain`; none for plain HTTP. */
  public readonly certificate?: acm.ICertificate;


  constructor(scope: Construct, id: string, props: PlatformLoadBalancerProps) {
    const { v, props: checked } = checkCdkProps<PlatformLoadBalancerProps>('PlatformLoadBalancer', scope, id, props,
      S.extend(LOAD_BALANCER_OPTIONS_SCHEMA, { network: cdkPlatformRef(scope, 'PlatformNetwork') }, ['network']));
    const plan = planLoadBalancer(checked, checked.network?.profile ?? EnvironmentProfile.DEVELOPMENT, v, checked.network?.cidr);
    super(scope, id);
    markCdkConstruct(this, 'PlatformLoadBalancer');
    // Rules added after the services (by users, on `listener`) must not reuse a priority either.
    this.node.addValidation({ validate: () => duplicateRulePriorities(this.listener.node.path, this.listenerRules()) });
    this.network = props.network;
    this.profile = plan.profile;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.network.vpc,
      description: `Load balancer ${this.node.path}: listener ports in, attached services out`,
      // Egress is opened per attached service (its security group, its container port).
      allowAllOutbound: false,
    });
    for (const port of plan.listenerPorts) {
      for (const cidr of plan.allowedCidrs) {
        this.securityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(port), `Listener port ${port} from ${cidr}`);
      }
    }
    if (plan.allowedCidrs.includes('0.0.0.0/0')) {
      Validations.of(this.securityGroup).acknowledge({
        id: 'AwsSolutions::AwsSolutions-EC23',
        reason: 'allowedCidrs includes 0.0.0.0/0 (the internet-facing default): open on its listener ports only',
      });
    }
    this.securityGroupId = this.securityGroup.securityGroupId;
    // Egress comes only from the rules services add, possibly from their own stacks (standalone rules).
    // aws-cdk-lib drops its inline "no traffic" placeholder when the first such rule is added, which
    // would leave EC2's default allow-all egress in place until a service stack deploys: keep it inline.
    (this.securityGroup.node.defaultChild as ec2.CfnSecurityGroup).addPropertyOverride('SecurityGroupEgress', [NO_TRAFFIC_EGRESS]);

    this.accessLogBucket = this.createAccessLogBucket(plan);

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.network.vpc,
      internetFacing: !plan.internal,
      vpcSubnets: { subnets: plan.internal ? props.network.privateSubnets : props.network.publicSubnets },
      securityGroup: this.securityGroup,
      dropInvalidHeaderFields: plan.dropInvalidHeaderFields,
      idleTimeout: Duration.seconds(plan.idleTimeoutSeconds),
      deletionProtection: plan.deletionProtection,
      desyncMitigationMode: plan.desyncMitigationMode as elbv2.DesyncMitigationMode,
    });
    this.enableAccessLogs(plan);
    if (!plan.deletionProtection) {
      Validations.of(this.loadBalancer).acknowledge({
        id: 'cdk-validator-cfnguard::elbv2_deletion_protection_enabled_check',
        reason: `deletionProtection is off (${plan.profile} profile or explicit choice) so the stack can be torn down; PRODUCTION turns it on.`,
      });
    }
    this.loadBalancerArn = this.loadBalancer.loadBalancerArn;
    this.dnsName = this.loadBalancer.loadBalancerDnsName;

    const notFound = elbv2.ListenerAction.fixedResponse(Number(plan.defaultResponse.statusCode), {
      contentType: plan.defaultResponse.contentType,
      messageBody: plan.defaultResponse.body,
    });

    if (plan.https) {
      if (plan.domain) {
        const zone = route53.HostedZone.fromHostedZoneId(this, 'HostedZone', plan.domain.hostedZoneId);
        this.certificate = new acm.Certificate(this, 'Certificate', {
          domainName: plan.domain.domainName,
          validation: acm.CertificateValidation.fromDns(zone),
        });
        new route53.ARecord(this, 'AliasRecord', {
          zone,
          // Fully qualified (trailing dot), so the zone's name is never needed.
          recordName: `${plan.domain.domainName}.`,
          target: route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(this.loadBalancer)),
        });
      } else {
        this.certificate = acm.Certificate.fromCertificateArn(this, 'ImportedCertificate', plan.certificateArn!);
      }
      this.httpsListener = new elbv2.ApplicationListener(this, 'HttpsListener', {
        loadBalancer: this.loadBalancer,
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromCertificateManager(this.certificate)],
        sslPolicy: plan.sslPolicy as elbv2.SslPolicy,
        defaultAction: notFound,
        open: false, // the security group rules above decide who may connect
      });
      this.httpListener = new elbv2.ApplicationListener(this, 'HttpListener', {
        loadBalancer: this.loadBalancer,
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
        open: false,
      });
      this.listener = this.httpsListener;
    } else {
      this.httpListener = new elbv2.ApplicationListener(this, 'HttpListener', {
        loadBalancer: this.loadBalancer,
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultAction: notFound,
        open: false,
      });
      Validations.of(this.httpListener).acknowledge({
        id: 'cdk-validator-cfnguard::alb_http_to_https_redirection_check',
        reason: 'plain HTTP is the choice when neither certificateArn nor domain is given; either one makes this listener redirect to HTTPS 443.',
      });
      this.listener = this.httpListener;
    }
  }

  /**
   * Priorities already taken on `listener`: by services' rules and by rules the user added.
   * @internal
   */
  public get _takenPriorities(): number[] {
    return this.listenerRules().map((r) => r.priority);
  }

  /** Every listener rule of the app on `listener`, with its literal priority. */
  private listenerRules(): Array<{ priority: number; path: string }> {
    return this.node.root.node.findAll()
      .filter((c): c is elbv2.CfnListenerRule => c instanceof elbv2.CfnListenerRule && c.listenerArn === this.listener.listenerArn)
      .filter((rule) => !Token.isUnresolved(rule.priority))
      .map((rule) => ({ priority: rule.priority, path: rule.node.path }));
  }

  /**
   * Make `listener` forward everything to `targetGroup` (a service that owns
   * this load balancer) instead of answering 404.
   * @internal
   */
  public _forwardDefaultTo(targetGroup: elbv2.IApplicationTargetGroup): void {
    // Replacing the 404 placeholder is the intent here, not an accident.
    Annotations.of(this.listener).acknowledgeWarning(DEFAULT_ACTION_REPLACED,
      'the service owning this load balancer forwards the whole listener to its target group');
    this.listener.addAction('Default', { action: elbv2.ListenerAction.forward([targetGroup]) });
  }

  /**
   * Let the load balancer reach `peer` on `port` (tcp): the only egress its security group has.
   * @internal
   */
  public _allowEgressTo(peer: ec2.ISecurityGroup, port: number, description: string): void {
    // remoteRule: a service in another stack holds the rule itself, so the load balancer's stack never
    // references (and depends on) the stack of a service that depends on it.
    this.securityGroup.addEgressRule(peer, ec2.Port.tcp(port), description, true);
  }

  private createAccessLogBucket(plan: LoadBalancerPlan): s3.Bucket {
    const bucket = new s3.Bucket(this, 'AccessLogs', {
      // ALB access-log delivery writes only to SSE-S3 (AES256) buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(plan.accessLogRetentionDays) }],
      removalPolicy: plan.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !plan.retainOnDelete,
    });
    const acknowledge = (id: string, reason: string) => Validations.of(bucket).acknowledge({ id, reason });
    const noOwnAccessLog = 'this bucket is the load balancer\'s access-log destination; server access logs of it would only record the log deliveries.';
    acknowledge('AwsSolutions::AwsSolutions-S1', noOwnAccessLog);
    acknowledge('cdk-validator-cfnguard::s3_bucket_logging_enabled_check', noOwnAccessLog);
    acknowledge('cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check',
      'Application Load Balancer access-log delivery supports only SSE-S3 (AES256) buckets, not SSE-KMS.');
    acknowledge('cdk-validator-cfnguard::s3_bucket_versioning_enabled_check',
      `access-log objects are written once and expire after accessLogRetentionDays (${plan.accessLogRetentionDays}); versions would only keep expired logs.`);
    acknowledge('cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
      'Object Lock would stop the lifecycle rule (accessLogRetentionDays) and, in DEVELOPMENT, stack deletion from removing access logs.');
    acknowledge('cdk-validator-cfnguard::s3_event_notifications_enabled_check',
      'nothing consumes events of access-log deliveries; the logs are read on demand (Athena, downloads).');
    if (!plan.retainOnDelete) acknowledgeAutoDeleteProvider(this);
    return bucket;
  }

  /**
   * Access logs to the bucket under the planned prefix. Like `loadBalancer.logAccessLogs`,
   * which cannot be used in an environment-agnostic stack (it needs the region at synth).
   */
  private enableAccessLogs(plan: LoadBalancerPlan): void {
    const bucket = this.accessLogBucket;
    bucket.addToResourcePolicy(iam.PolicyStatement.fromJson(
      allowElbLogDelivery(bucket.bucketArn, plan.accessLogPrefix, Aws.ACCOUNT_ID, this.regionalElbAccountArn()),
    ));
    this.loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
    this.loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
    this.loadBalancer.setAttribute('access_logs.s3.prefix', plan.accessLogPrefix);
    // The load balancer checks it may write to the bucket when logging is switched on.
    (this.loadBalancer.node.defaultChild as CfnResource).addResourceDependency(bucket.policy!.node.defaultChild as CfnResource);
  }

  /**
   * The root of the region's Elastic Load Balancing account, where the region
   * has one (opened before August 2022); undefined where it has none.
   *
   * In a region-agnostic stack the region is known only at deploy time, and
   * `Fn::FindInMap` fails there for a region missing from its map, even inside
   * an `Fn::If` branch not taken. So each known region gets a condition; the
   * account is the join of one `Fn::If` per region (its account, or ''), and
   * for a region with none the principal is removed (`AWS::NoValue`), leaving
   * the log-delivery service. Kept flat on purpose: nested `Fn::If`s make
   * aws-cdk-lib's `Template.fromStack` (users' own tests) take exponential time.
   */
  private regionalElbAccountArn(): string | undefined {
    const stack = Stack.of(this);
    const rootOf = (account: string) => accountRootArn(Aws.PARTITION, account);
    if (!Token.isUnresolved(stack.region)) {
      const account = ELB_LOG_DELIVERY_ACCOUNTS[stack.region];
      return account === undefined ? undefined : rootOf(account);
    }
    const conditions = elbAccountConditions(stack);
    const account = Fn.join('', Object.entries(ELB_LOG_DELIVERY_ACCOUNTS)
      .map(([region, id]) => Fn.conditionIf(conditions.regionIs[region].logicalId, id, '').toString()));
    return Fn.conditionIf(conditions.hasAccount.logicalId, rootOf(account), Aws.NO_VALUE).toString();
  }
}

/**
 * The stack-wide conditions "the stack deploys to <region>", one per region
 * with an ELB account, and "to any of them"; created once per stack.
 */
function elbAccountConditions(stack: Stack): { regionIs: Record<string, CfnCondition>; hasAccount: CfnCondition } {
  const condition = (id: string, expression: ICfnConditionExpression) =>
    (stack.node.tryFindChild(id) as CfnCondition | undefined) ?? new CfnCondition(stack, id, { expression });
  const regionIs = Object.fromEntries(Object.keys(ELB_LOG_DELIVERY_ACCOUNTS).map((region) => [region,
    condition(`EcsPlatformRegionIs${region.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('')}`,
      Fn.conditionEquals(Aws.REGION, region))]));
  return { regionIs, hasAccount: condition('EcsPlatformRegionHasElbAccount', anyOf(Object.values(regionIs))) };
}

/** `Fn::Or` over any number of conditions (CloudFormation takes 2 to 10 per `Fn::Or`). */
function anyOf(conditions: ICfnConditionExpression[]): ICfnConditionExpression {
  if (conditions.length === 1) return conditions[0];
  if (conditions.length <= 10) return Fn.conditionOr(...conditions);
  const groups = Math.min(10, Math.ceil(conditions.length / 10));
  const size = Math.ceil(conditions.length / groups);
  return Fn.conditionOr(...Array.from({ length: groups }, (_, i) => anyOf(conditions.slice(i * size, (i + 1) * size))));
}
