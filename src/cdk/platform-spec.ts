import { Aws, CfnOutput, CfnRule, Fn, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { DevOpsAgentSpace } from './devops-agent-space';
import { cdkLiteralRegion, checkCdkProps } from './engine';
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
import { PlatformSpec } from '../spec/platform-spec';

/** The classes the spec's factory builds with (src/spec/build.ts engineFactory). */
const CDK_CLASSES = {
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
 * Everything a platform spec describes (docs/platform-spec.md), as AWS CDK constructs under one
 * construct: the network, the cluster, certificates, the shared load balancer, databases, tables,
 * services with their grants, Teleport, FinOps guardrails and the DevOps agent. Every construct is named
 * as in the spec (`test-app`, `main-db`), and every resource is tagged `platform` and `environment`.
 *
 * The constructs check their props as always; a problem is reported at the YAML file, line and column of
 * the key that set it, all problems in one PlatformSpecError.
 */
export class SpecPlatform extends Construct {
  /** The spec built. */
  public readonly spec: PlatformSpec;
  public readonly network: PlatformNetwork;
  public readonly cluster: PlatformCluster;
  /** The shared load balancer, when a web service or Teleport needs one. */
  public readonly loadBalancer?: PlatformLoadBalancer;
  /** The certificates of `certificates`, by name. */
  public readonly certificates: Record<string, acm.ICertificate> = {};
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
    const { v, props: checked } = checkCdkProps<SpecPlatformProps>('SpecPlatform', scope, id, props, SPEC_PLATFORM_PROPS_SCHEMA);
    checkSpecRegion(v, checked.spec, cdkLiteralRegion(scope));
    v.throwIfInvalid();
    super(scope, id);
    const spec = checked.spec;
    this.spec = spec;
    const plan = spec._plan;
    const built = buildSpec(spec, engineFactory(this, CDK_CLASSES, {
      certificate: (entry) => {
        const certificate = new acm.Certificate(this, `${entry.name}-certificate`, {
          domainName: entry.domainName,
          subjectAlternativeNames: entry.subjectAlternativeNames.length > 0 ? entry.subjectAlternativeNames : undefined,
          validation: acm.CertificateValidation.fromDns(entry.hostedZoneId
            ? route53.HostedZone.fromHostedZoneId(this, `${entry.name}-zone`, entry.hostedZoneId)
            : undefined),
        });
        this.certificates[entry.name] = certificate;
        return certificate.certificateArn;
      },
      // The agent investigates what this stack holds.
      agentSpaceProps: { monitor: { stacks: [Stack.of(this)] } },
    }));
    this.network = built.network!;
    this.cluster = built.cluster!;
    this.loadBalancer = built.loadBalancer;
    this.services = built.services;
    this.databases = built.databases;
    this.tables = built.tables;
    this.teleport = built.teleport;
    this.finOps = built.finops;
    this.devOpsAgent = built.devopsAgent;
    for (const [key, value] of Object.entries(plan.tags)) Tags.of(this).add(key, value);
  }
}

/** Build the platform `spec` describes under `scope` (a SpecPlatform named after the platform). */
export function buildPlatform(scope: Construct, spec: PlatformSpec): SpecPlatform {
  return new SpecPlatform(scope, spec.name, { spec });
}

/** Props of PlatformSpecStack. */
export interface PlatformSpecStackProps extends StackProps {
  /** The spec to build. */
  readonly spec: PlatformSpec;
}

/**
 * A stack holding one spec's platform, in the spec's region (a CloudFormation rule refuses any other
 * account than `platform.account`, when given), with outputs for DNS, alerts, the data's names and Teleport. `npx ecs-platform synth` builds this
 * as `<platform>-<environment>`.
 */
export class PlatformSpecStack extends Stack {
  /** The platform built. */
  public readonly platform: SpecPlatform;

  constructor(scope: Construct, id: string, props: PlatformSpecStackProps) {
    const spec = props.spec;
    super(scope, id, {
      description: `${spec.name}${spec.environment ? ` (${spec.environment})` : ''}: built from its platform spec by ecs-platform-constructs`,
      ...props,
      // The region only: an account in the env would make aws-cdk-lib look the AZs up in that account at
      // synth, which a CI job without AWS credentials cannot. The account is enforced at deploy instead.
      env: props.env ?? { region: spec.region },
    });
    if (spec.account && !props.env) {
      new CfnRule(this, 'PlatformAccount', {
        assertions: [{
          assert: Fn.conditionEquals(Aws.ACCOUNT_ID, spec.account),
          assertDescription: `${spec.name} deploys to account ${spec.account} (platform.account): use credentials for that account`,
        }],
      });
    }
    this.platform = new SpecPlatform(this, 'Platform', { spec });
    for (const output of specOutputs(spec, this.platform)) new CfnOutput(this, output.id, { description: output.description, value: output.value });
  }
}
