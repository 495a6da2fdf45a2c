export { EnvironmentProfile } from './environment-profile';
export {
  FlowLogTraffic,
  NetworkFlowLogOptions,
  PlatformNetworkOptions,
  SubnetTier,
} from './platform-network';
