import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import { PlatformCluster } from './platform-cluster';
import { EnvironmentProfile } from '../constructs/environment-profile';
import { ContainerSecret } from '../constructs/fargate-web-service';

/**
 * A Fargate service of this library: a FargateWebService or a
 * FargateWorkerService. What grants take (ManagedDatabase.grantConnect,
 * ManagedTable.grantReadData, GitHubDeployRole's services,
 * DevOpsAgentSpace.investigateAlarms): both kinds have the same task, roles,
 * security group, log group and alarms.
 */
export interface IFargateService extends IConstruct {
  /** The profile the defaults were picked from. */
  readonly profile: EnvironmentProfile;
  /** The cluster the service runs in. */
  readonly cluster: PlatformCluster;
  /** The ECS service. */
  readonly service: ecs.FargateService;
  /** The service name. */
  readonly serviceName: string;
  /** The task definition. */
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The tasks' security group (what a granted database admits). */
  readonly securityGroup: ec2.SecurityGroup;
  /** The container log group. */
  readonly logGroup: logs.LogGroup;
  /** The role ECS uses to start tasks: pull the image, write the log, read exactly the secrets given. */
  readonly executionRole: iam.Role;
  /** The role the container runs as. */
  readonly taskRole: iam.Role;
  /** The service's alarms. */
  readonly alarms: cloudwatch.Alarm[];
  /** The alarms' names, in the same order (literal strings, known at synth). */
  readonly alarmNames: string[];
  /** The topic the alarms notify. */
  readonly alarmTopic: sns.ITopic;

  /** Add a plain environment variable to the container after construction. */
  addEnvironment(name: string, value: string): void;

  /** Add a secret environment variable after construction; the execution role may then read exactly this secret. */
  addSecret(name: string, secret: ContainerSecret): void;
}
