export * from './platform-network';
export * from './platform-cluster';
export * from './platform-load-balancer';
export * from './fargate-web-service';
export * from './managed-database';
export * from './managed-table';
export * from './finops-guardrails';
export * from './teleport-cluster';
export * from './container-repository';
export * from './github-deploy-role';
export * from './devops-agent-space';
export { AwsccProvider, DevopsagentAgentSpace, DevopsagentAssociation } from './awscc';
export type {
  AwsccProviderConfig,
  DevopsagentAgentSpaceConfig,
  DevopsagentAgentSpaceOperatorApp,
  DevopsagentAgentSpaceOperatorAppIam,
  DevopsagentAssociationConfig,
} from './awscc';
