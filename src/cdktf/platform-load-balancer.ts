// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { AcmCertificate } from '@cdktf/provider-aws/lib/acm-certificate';
import { AcmCertificateValidation } from '@cdktf/provider-aws/lib/acm-certificate-validation';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener, LbListenerDefaultAction } from '@cdktf/provider-aws/lib/lb-listener';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Fn, TerraformLocal, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  acknowledgeGuardRule,
  awsEnvironment,
  cdktfPlatformRef,
  checkCdktfProps,
  markCdktfConstruct,
  nameTag,
  policyDocument,
  sameAttributeReference,
  sameStackDependencies,
} from './engine';
import { PlatformNetwork } from './platform-network';
import { EnvironmentProfile } from '../constructs/environment-profile';
import { duplicateRulePriorities, LOAD_BALANCER_OPTIONS_SCHEMA, PlatformLoadBalancerOptions, planLoadBalancer } from '../constructs/platform-load-balancer';
import {
  accountRootArn,
  allowElbLogDelivery,
  AwsEnvironment,
  denyInsecureTransport,
  ELB_LOG_DELIVERY_ACCOUNTS,
} from '../constructs/policies';
import { S } from '../constructs/prop-schema';

/** Props of the CDK for Terraform PlatformLoadBalancer. */
export interface PlatformLoadBalancerProps extends PlatformLoadBalancerOptions {
  /** The network whose public subnets the load balancer sits in. */
  readonly network: PlatformNetwork;
}

/**
 * An Application Load Balancer: internet-facing in the network's public
 * subnets, or internal in its private subnets (`internal`); access logs to an encrypted, private S3 bucket, invalid headers
 * dropped, defensive desync mitigation, HTTPS with a TLS 1.2+ policy when a
 * certificate or domain is given (HTTP redirecting to it), a 404 for requests
 * no service claims, and a security group open only on the listener ports.
 *
 * The same plan as the AWS CDK PlatformLoadBalancer, rendered as AWS provider resources.
 */
export class PlatformLoadBalancer extends Construct {
  /** The network the load balancer sits in. */
  public readonly network: PlatformNetwork;
  /** The profile the defaults were picked from. */
  public readonly profile: EnvironmentProfile;
  /** The Application Load Balancer. */
  public readonly loadBalancer: Lb;
  /** The load balancer's ARN. */
  public readonly loadBalancerArn: string;
  /** The load balancer's DNS name. */
  public readonly dnsName: string;
  /** The listener services attach to: the HTTPS listener when there is one, else the HTTP listener. */
  public readonly listener: LbListener;
  /** The HTTP listener on port 80 (a redirect to HTTPS when there is an HTTPS listener). */
  public readonly httpListener: LbListener;
  /** The HTTPS listener on port 443, when a certificate or domain was given. */
  public readonly httpsListener?: LbListener;
  /** The load balancer's security group. */
  public readonly securityGroup: SecurityGroup;
  /** The ID of the load balancer's security group. */
  public readonly securityGroupId: string;
  /** The S3 bucket the access logs go to. */
  public readonly accessLogBucket: S3Bucket;
  /** The certificate created for `domain`, when given. */
  public readonly certificate?: AcmCertificate;


  constructor(scope: Construct, id: string, props: PlatformLoadBalancerProps) {
    const { v, props: checked } = checkCdktfProps<PlatformLoadBalancerProps>('PlatformLoadBalancer', scope, id, props,
      S.extend(LOAD_BALANCER_OPTIONS_SCHEMA, { network: cdktfPlatformRef(scope, 'PlatformNetwork') }, ['network']));
    const plan = planLoadBalancer(checked, checked.network?.profile ?? EnvironmentProfile.DEVELOPMENT, v, checked.network?.cidr);
    super(scope, id);
    markCdktfConstruct(this, 'PlatformLoadBalancer');
    // Rules added after the services (by users, on `listener`) must not reuse a priority either.
    this.node.addValidation({ validate: () => duplicateRulePriorities(this.listener.node.path, this.listenerRules()) });
    this.network = props.network;
    this.profile = plan.profile;

    // --- Security group: listener ports from the allowed CIDRs; egress added per service.
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      description: `Load balancer ${this.node.path}`,
      vpcId: props.network.vpcId,
      tags: nameTag(this),
    });
    this.securityGroupId = this.securityGroup.id;
    plan.allowedCidrs.forEach((cidr, i) => {
      const cidrId = Token.isUnresolved(cidr) ? `Cidr${i + 1}` : cidr.replace(/[./]/g, '_');
      for (const port of plan.listenerPorts) {
        new VpcSecurityGroupIngressRule(this, `SecurityGroupIngress${port}From${cidrId}`, {
          securityGroupId: this.securityGroup.id,
          description: `Listener port ${port} from ${cidr}`,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          cidrIpv4: cidr,
          tags: nameTag(this),
        });
      }
    });

    // --- Access logs: SSE-S3 (the only encryption ALB log delivery supports), private, TLS only, expiring.
    this.accessLogBucket = new S3Bucket(this, 'AccessLogs', {
      forceDestroy: !plan.retainOnDelete,
      lifecycle: plan.retainOnDelete ? { preventDestroy: true } : undefined,
      tags: nameTag(this),
    });
    const bucket = this.accessLogBucket;
    new S3BucketServerSideEncryptionConfigurationA(this, 'AccessLogsEncryption', {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    const publicAccessBlock = new S3BucketPublicAccessBlock(this, 'AccessLogsPublicAccessBlock', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'AccessLogsOwnership', {
      bucket: bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketLifecycleConfiguration(this, 'AccessLogsLifecycle', {
      bucket: bucket.id,
      rule: [{
        id: 'expire-access-logs',
        status: 'Enabled',
        filter: [{ prefix: '' }],
        expiration: [{ days: plan.accessLogRetentionDays }],
      }],
    });
    const bucketPolicy = new S3BucketPolicy(this, 'AccessLogsPolicy', {
      bucket: bucket.id,
      policy: this.accessLogsPolicy(bucket, plan.accessLogPrefix, awsEnvironment(this, 'AccessLogs')),
      // A policy is refused while Block Public Access is still being applied.
      dependsOn: [publicAccessBlock],
    });
    acknowledgeGuardRule(bucketPolicy, 'TF_S3_SSL_ONLY',
      'The policy is one of two locals chosen at plan time by region (AccessLogsPolicyWithElbAccount, AccessLogsPolicyServiceOnly); '
      + 'both deny requests without TLS, which Guard cannot read through the reference (the deployability rules and unit tests check both).');

    // --- The load balancer.
    this.loadBalancer = new Lb(this, 'LoadBalancer', {
      loadBalancerType: 'application',
      internal: plan.internal,
      ipAddressType: 'ipv4',
      subnets: plan.internal ? props.network.privateSubnetIds : props.network.publicSubnetIds,
      securityGroups: [this.securityGroup.id],
      dropInvalidHeaderFields: plan.dropInvalidHeaderFields,
      desyncMitigationMode: plan.desyncMitigationMode,
      idleTimeout: plan.idleTimeoutSeconds,
      enableDeletionProtection: plan.deletionProtection,
      accessLogs: { bucket: bucket.bucket, prefix: plan.accessLogPrefix, enabled: true },
      tags: nameTag(this, { 'platform:profile': plan.profile }),
      // The load balancer checks it may write to the bucket when access logs are switched on, and an
      // internet-facing one fails ("VPC has no internet gateway") before the gateway and public routes exist.
      dependsOn: sameStackDependencies(this, [bucketPolicy, ...(plan.internal ? [] : props.network._internetConnectivity)]),
    });
    if (!plan.deletionProtection && plan.profile === EnvironmentProfile.PRODUCTION) {
      acknowledgeGuardRule(this.loadBalancer, 'TF_PROD_LB_DELETION_PROTECTION',
        'Deletion protection was switched off explicitly (deletionProtection = false).');
    }
    this.loadBalancerArn = this.loadBalancer.arn;
    this.dnsName = this.loadBalancer.dnsName;

    // --- Certificate for domain: DNS-validated in the hosted zone.
    let certificateArn = plan.certificateArn;
    if (plan.domain) {
      this.certificate = new AcmCertificate(this, 'Certificate', {
        domainName: plan.domain.domainName,
        validationMethod: 'DNS',
        lifecycle: { createBeforeDestroy: true },
        tags: nameTag(this),
      });
      // One domain, one validation record: read it from the (set-typed) options.
      const validationOption = Fn.element(Fn.tolist(this.certificate.domainValidationOptions), 0);
      const validationRecord = new Route53Record(this, 'CertificateValidationRecord', {
        zoneId: plan.domain.hostedZoneId,
        name: Fn.lookupNested(validationOption, ['resource_record_name']),
        type: Fn.lookupNested(validationOption, ['resource_record_type']),
        records: [Fn.lookupNested(validationOption, ['resource_record_value'])],
        ttl: 60,
        allowOverwrite: true,
      });
      const validation = new AcmCertificateValidation(this, 'CertificateValidation', {
        certificateArn: this.certificate.arn,
        validationRecordFqdns: [validationRecord.fqdn],
      });
      certificateArn = validation.certificateArn;
      new Route53Record(this, 'AliasRecord', {
        zoneId: plan.domain.hostedZoneId,
        name: plan.domain.domainName,
        type: 'A',
        alias: { name: `dualstack.${this.loadBalancer.dnsName}`, zoneId: this.loadBalancer.zoneId, evaluateTargetHealth: false },
      });
    }

    // --- Listeners.
    const notFound: LbListenerDefaultAction = {
      type: 'fixed-response',
      fixedResponse: {
        statusCode: plan.defaultResponse.statusCode,
        contentType: plan.defaultResponse.contentType,
        messageBody: plan.defaultResponse.body,
      },
    };
    if (plan.https) {
      this.httpsListener = new LbListener(this, 'HttpsListener', {
        loadBalancerArn: this.loadBalancer.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: plan.sslPolicy,
        certificateArn,
        defaultAction: [notFound],
        tags: nameTag(this),
      });
      this.httpListener = new LbListener(this, 'HttpListener', {
        loadBalancerArn: this.loadBalancer.arn,
        port: 80,
        protocol: 'HTTP',
        defaultAction: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
        tags: nameTag(this),
      });
      this.listener = this.httpsListener;
    } else {
      this.httpListener = new LbListener(this, 'HttpListener', {
        loadBalancerArn: this.loadBalancer.arn,
        port: 80,
        protocol: 'HTTP',
        defaultAction: [notFound],
        tags: nameTag(this),
      });
      acknowledgeGuardRule(this.httpListener, 'TF_LB_HTTP_REDIRECTS_TO_HTTPS',
        'No certificateArn or domain was given: the load balancer serves plain HTTP on port 80 only.');
      this.listener = this.httpListener;
    }
  }

  /**
   * The access-log bucket's policy: TLS only, and log delivery by the ELB
   * log-delivery service plus, where the region has one, the regional ELB
   * account. Which applies is decided at plan time from the provider's region,
   * never by the `aws_elb_service_account` data source, which fails for
   * regions opened since 2022.
   */
  private accessLogsPolicy(bucket: S3Bucket, prefix: string, env: AwsEnvironment): string {
    const deny = denyInsecureTransport([bucket.arn, `${bucket.arn}/*`], 's3:*');
    const accounts = elbLogDeliveryAccounts(this);
    // Its own local keeps the policies below plain JSON (with references). cdktf drops lookup()'s
    // default when it is "" (falsy): the sentinel is never read, the policy using it is chosen only
    // where the region has an account.
    const account = new TerraformLocal(this, 'AccessLogsElbAccount', Fn.lookup(accounts.asStringMap, env.region, 'none'));
    const withAccount = new TerraformLocal(this, 'AccessLogsPolicyWithElbAccount',
      policyDocument([deny, allowElbLogDelivery(bucket.arn, prefix, env.accountId, accountRootArn(env.partition, account.asString))]));
    const serviceOnly = new TerraformLocal(this, 'AccessLogsPolicyServiceOnly',
      policyDocument([deny, allowElbLogDelivery(bucket.arn, prefix, env.accountId)]));
    return Fn.conditional(Fn.contains(Fn.keys(accounts.asStringMap), env.region), withAccount.asString, serviceOnly.asString);
  }

  /**
   * @internal
   * Priorities already taken on `listener`: by services' rules and by rules the user added.
   */
  public get _takenPriorities(): number[] {
    return this.listenerRules().map((r) => r.priority);
  }

  /** Every listener rule of the app on `listener`, with its literal priority. */
  private listenerRules(): Array<{ priority: number; path: string }> {
    return this.node.root.node.findAll()
      .filter((c): c is LbListenerRule => c instanceof LbListenerRule && sameAttributeReference(c.listenerArnInput, this.listener.arn))
      .filter((rule) => typeof rule.priorityInput === 'number' && !Token.isUnresolved(rule.priorityInput))
      .map((rule) => ({ priority: rule.priorityInput!, path: rule.node.path }));
  }

  /**
   * @internal
   * The load balancer belongs to one service: `listener` forwards everything to its target group.
   */
  public _forwardDefaultTo(targetGroup: LbTargetGroup): void {
    this.listener.putDefaultAction([{ type: 'forward', targetGroupArn: targetGroup.arn }]);
  }
}

/** The regional ELB accounts as a Terraform local, one per stack. */
function elbLogDeliveryAccounts(scope: Construct): TerraformLocal {
  const stack = TerraformStack.of(scope);
  const id = 'EcsPlatformElbLogDeliveryAccounts';
  return (stack.node.tryFindChild(id) as TerraformLocal | undefined) ?? new TerraformLocal(stack, id, { ...ELB_LOG_DELIVERY_ACCOUNTS });
}
