// Engine-neutral core: option structs and enums shared by both engines.
export * from './constructs';

// The platform spec: YAML in, constructs of either engine out (docs/platform-spec.md).
export * from './spec';

// The engine bindings. scripts/lazy-root.js rewrites the compiled requires
// into getters, so `require('ecs-platform-constructs')` loads neither engine
// until `cdk` or `cdktf` is first touched.
export * as cdk from './cdk';
export * as cdktf from './cdktf';
