import { AcmCertificate } from '@cdktf/provider-aws/lib/acm-certificate';
import { AcmCertificateValidation } from '@cdktf/provider-aws/lib/acm-certificate-validation';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { TerraformIterator, TerraformOutput, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import { DevOpsAgentSpace } from './devops-agent-space';
import { cdktfLiteralRegion, checkCdktfProps, nameTag } from './engine';
import { IFargateService } from './fargate-service';
import { FargateWebService } from './fargate-web-service';
import { FargateWorkerService } from './fargate-worker-service';
import { FinOpsGuardrails } from './finops-guardrails';
import { ManagedDatabase } from './managed-database';
import { ManagedTable } from './managed-table';
import { PlatformCluster } from './platform-cluster';
import { PlatformLoadBalancer } from './platform-load-balancer';
import { PlatformNetwork } from './platform-network';
import { TeleportCluster } from './teleport-cluster';
import { buildSpec, checkSpecRegion, engineFactory, SPEC_PLATFORM_PROPS_SCHEMA, specOutputs } from '../spec/build';
import { PlannedCertificate } from '../spec/plan';
import { PlatformSpec } from '../spec/platform-spec';

/** The classes the spec's factory builds with (src/spec/build.ts engineFactory). */
const CDKTF_CLASSES = {
  PlatformNetwork,
  PlatformCluster,
  PlatformLoadBalancer,
  ManagedDatabase,
  ManagedTable,
  FargateWebService,
  FargateWorkerService,
  TeleportCluster,
  FinOpsGuardrails,
  DevOpsAgentSpace,
};

/** Props of SpecPlatform. */
export interface SpecPlatformProps {
  /** The spec to build (`PlatformSpec.load(dir, { environment })`). */
  readonly spec: PlatformSpec;
}

/**
 * Everything a platform spec describes (docs/platform-spec.md), as CDK for Terraform constructs under one
 * construct: the network, the cluster, certificates, the shared load balancer, databases, tables,
 * services with their grants, Teleport, FinOps guardrails and the DevOps agent. Every construct is named
 * as in the spec (`test-app`, `main-db`).
 *
 * The stack's AWS provider must be in the spec's region; tag the platform through its `default_tags`
 * (PlatformSpecStack does both). The constructs check their props as always; a problem is reported at the
 * YAML file, line and column of the key that set it, all problems in one PlatformSpecError.
 */
export class SpecPlatform extends Construct {
  /** The spec built. */
  public readonly spec: PlatformSpec;
  public readonly network: PlatformNetwork;
  public readonly cluster: PlatformCluster;
  /** The shared load balancer, when a web service or Teleport needs one. */
  public readonly loadBalancer?: PlatformLoadBalancer;
  /** The certificates of `certificates`, by name. */
  public readonly certificates: Record<string, AcmCertificate> = {};
  /** The services, by name (FargateWebService or FargateWorkerService). */
  public readonly services: Record<string, IFargateService>;
  /** The databases, by name. */
  public readonly databases: Record<string, ManagedDatabase>;
  /** The tables, by name. */
  public readonly tables: Record<string, ManagedTable>;
  public readonly teleport?: TeleportCluster;
  public readonly finOps?: FinOpsGuardrails;
  public readonly devOpsAgent?: DevOpsAgentSpace;

  constructor(scope: Construct, id: string, props: SpecPlatformProps) {
    const { v, props: checked } = checkCdktfProps<SpecPlatformProps>('SpecPlatform', scope, id, props, SPEC_PLATFORM_PROPS_SCHEMA);
    checkSpecRegion(v, checked.spec, cdktfLiteralRegion(scope));
    v.throwIfInvalid();
    super(scope, id);
    const spec = checked.spec;
    this.spec = spec;
    // The agent finds the platform by the provider's default_tags (its default monitor).
    const built = buildSpec(spec, engineFactory(this, CDKTF_CLASSES, { certificate: (entry) => this.certificate(entry), agentSpaceProps: {} }));
    this.network = built.network!;
    this.cluster = built.cluster!;
    this.loadBalancer = built.loadBalancer;
    this.services = built.services;
    this.databases = built.databases;
    this.tables = built.tables;
    this.teleport = built.teleport;
    this.finOps = built.finops;
    this.devOpsAgent = built.devopsAgent;
  }

  /**
   * A DNS-validated certificate. With a hosted zone, one validation record per name (a name and its
   * wildcard share one: allowOverwrite) and a validation that waits for them; without one, the
   * validation waits for the records you create (aws_acm_certificate's domain_validation_options).
   */
  private certificate(entry: PlannedCertificate): string {
    const certificate = new AcmCertificate(this, `${entry.name}-certificate`, {
      domainName: entry.domainName,
      subjectAlternativeNames: entry.subjectAlternativeNames.length > 0 ? entry.subjectAlternativeNames : undefined,
      validationMethod: 'DNS',
      // A changed name replaces the certificate: the new one is validated before the listener lets go of the old.
      lifecycle: { createBeforeDestroy: true },
      tags: nameTag(this, { Name: entry.name }),
    });
    this.certificates[entry.name] = certificate;
    let fqdns: string[] | undefined;
    if (entry.hostedZoneId) {
      const options = TerraformIterator.fromComplexList(certificate.domainValidationOptions, 'domain_name');
      const records = new Route53Record(this, `${entry.name}-validation-record`, {
        forEach: options,
        zoneId: entry.hostedZoneId,
        name: options.getString('resource_record_name'),
        type: options.getString('resource_record_type'),
        records: [options.getString('resource_record_value')],
        ttl: 60,
        allowOverwrite: true,
      });
      fqdns = Token.asList(TerraformIterator.fromResources(records).pluckProperty('fqdn'));
    }
    const validation = new AcmCertificateValidation(this, `${entry.name}-validation`, {
      certificateArn: certificate.arn,
      validationRecordFqdns: fqdns,
    });
    return validation.certificateArn;
  }
}

/** Build the platform `spec` describes under `scope` (a SpecPlatform named after the platform). */
export function buildPlatform(scope: Construct, spec: PlatformSpec): SpecPlatform {
  return new SpecPlatform(scope, spec.name, { spec });
}

/** Props of PlatformSpecStack. */
export interface PlatformSpecStackProps {
  /** The spec to build. */
  readonly spec: PlatformSpec;
}

/**
 * A Terraform stack holding one spec's platform: an AWS provider in the spec's region (its account
 * pinned by allowed_account_ids when `platform.account` gives one), tagging every resource `platform` and
 * `environment` through default_tags, the SpecPlatform, and outputs for DNS, alerts, the data's names and
 * Teleport. `npx ecs-platform synth --engine cdktf` builds this.
 */
export class PlatformSpecStack extends TerraformStack {
  /** The stack's AWS provider. */
  public readonly provider: AwsProvider;
  /** The platform built. */
  public readonly platform: SpecPlatform;

  constructor(scope: Construct, id: string, props: PlatformSpecStackProps) {
    super(scope, id);
    const spec = props.spec;
    this.provider = new AwsProvider(this, 'aws', {
      region: spec.region,
      ...(spec.account ? { allowedAccountIds: [spec.account] } : {}),
      defaultTags: [{ tags: spec._plan.tags }],
    });
    this.platform = new SpecPlatform(this, 'Platform', { spec });
    for (const output of specOutputs(spec, this.platform)) {
      new TerraformOutput(this, output.id, { description: output.description, value: output.value });
    }
  }
}
