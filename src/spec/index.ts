export { PlatformSpec } from './platform-spec';
export type { PlatformSpecLoadOptions } from './platform-spec';
export type { SpecProblem, SpecSource } from './load';
