export { EnvironmentProfile } from './environment-profile';
export { FlowLogTraffic, SubnetTier } from './platform-network';
export type { NetworkFlowLogOptions, PlatformNetworkOptions } from './platform-network';
export type { PlatformClusterOptions } from './platform-cluster';
export type { LoadBalancerDomain, PlatformLoadBalancerOptions } from './platform-load-balancer';
export { CpuArchitecture, TargetProtocol } from './fargate-web-service';
export type {
  ContainerSecret,
  FargateServiceOptions,
  FargateWebServiceOptions,
  WebServiceAlarms,
  WebServiceAutoScaling,
  WebServiceHealthCheck,
  WebServiceRouting,
} from './fargate-web-service';
export type { FargateWorkerServiceOptions, WorkerServiceAlarms, WorkerServiceHealthCheck } from './fargate-worker-service';
export { DatabaseEngine } from './managed-database';
export type { DatabaseConnectionOptions, ManagedDatabaseOptions } from './managed-database';
export { AttributeType, BillingMode, ProjectionType, StreamViewType } from './managed-table';
export type { ManagedTableOptions, TableAttribute, TableCapacityAutoScaling, TableGlobalSecondaryIndex } from './managed-table';
export { ApprovalMode, BudgetNotificationType, BudgetPeriod, RemediationMode } from './finops-guardrails';
export type {
  BudgetThreshold,
  FinOpsAnomalyDetection,
  FinOpsBudget,
  FinOpsBudgetAction,
  FinOpsGuardrailsOptions,
  FinOpsIdleInstances,
  FinOpsJira,
  FinOpsNotify,
  FinOpsSlackChannel,
  FinOpsUnattachedVolumes,
} from './finops-guardrails';
export { TELEPORT_VERSION } from './teleport-cluster';
export type {
  TeleportAppOptions,
  TeleportClusterOptions,
  TeleportDatabaseOptions,
  TeleportGitHubOptions,
  TeleportGitHubTeam,
} from './teleport-cluster';
export type { ContainerRepositoryOptions } from './container-repository';
export type { GitHubDeployRoleOptions } from './github-deploy-role';
export { DEVOPS_AGENT_REGIONS, GitHubOwnerType, InvestigationPriority } from './devops-agent-space';
export type { DevOpsAgentGitHubOptions, DevOpsAgentSlackOptions, DevOpsAgentSpaceOptions } from './devops-agent-space';
