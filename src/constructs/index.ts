export { EnvironmentProfile } from './environment-profile';
export { FlowLogTraffic, SubnetTier } from './platform-network';
export type { NetworkFlowLogOptions, PlatformNetworkOptions } from './platform-network';
