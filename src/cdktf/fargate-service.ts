// Deep imports only: the @cdktf/provider-aws root barrel costs ~1.7 s and 550 MB.
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
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
  readonly service: EcsService;
  /** The service's name. */
  readonly serviceName: string;
  /** The task definition. */
  readonly taskDefinition: EcsTaskDefinition;
  /** The tasks' security group (what a granted database admits). */
  readonly securityGroup: SecurityGroup;
  /** The container log group. */
  readonly logGroup: CloudwatchLogGroup;
  /** The role ECS uses to pull the image, write logs and read the secrets. */
  readonly executionRole: IamRole;
  /** The role the container runs as. */
  readonly taskRole: IamRole;
  /** The service's alarms. */
  readonly alarms: CloudwatchMetricAlarm[];
  /** The alarms' names, in the same order (literal strings, known at synth). */
  readonly alarmNames: string[];
  /** ARN of the topic the alarms notify. */
  readonly alarmTopicArn: string;

  /** Add a plain environment variable to the container after construction. */
  addEnvironment(name: string, value: string): void;

  /** Add a secret environment variable after construction; the execution role may then read exactly this secret. */
  addSecret(name: string, secret: ContainerSecret): void;
}
