/**
 * What both editions of the zero-trust example share: the names, certificates and GitHub app read
 * from the context, the Teleport options, the `sessions` table and the Api service. Each edition
 * (cdk/app.ts, cdktf/main.ts) adds only what its engine spells differently: stacks and outputs.
 */
import { IConstruct } from 'constructs';
import {
  AttributeType,
  EnvironmentProfile,
  FargateWebServiceOptions,
  ManagedTableOptions,
  ProjectionType,
  TeleportClusterOptions,
} from 'ecs-platform-constructs';

/** The Api's image, pinned to a full version: nginx answers `/` on port 80. Put your own here. */
export const API_IMAGE = 'public.ecr.aws/docker/library/nginx:1.27.5';

/** The name `main-db` is registered under in Teleport (`tsh db connect main-db`); its role is `db-main-db`. */
export const MAIN_DB_NAME = 'main-db';

/** The database user Teleport logs in as through IAM authentication (create it once: examples/README.md). */
export const MAIN_DB_USERS = ['app_readonly'];

/** The Api's name in Teleport: `tsh apps login api`, `https://api.<teleport domain>`. */
export const API_APP_NAME = 'api';

/** Listener-rule priorities on the shared HTTPS listener: explicit, so adding a service never moves one. */
export const PRIORITIES = { teleport: 10, api: 100 };

/**
 * The deployment's names, certificates and GitHub OAuth app: the placeholders below unless the
 * context names them (cdk.json's or cdktf.json's "context", or `cdk deploy -c key=value`).
 */
export interface ZeroTrustSettings {
  /** `ingress:certificateArn`: the shared load balancer's default certificate, for `apiHost`. */
  readonly ingressCertificateArn: string;
  /** `api:host`: the public host name the Api is served on through the shared load balancer. */
  readonly apiHost: string;
  /** `teleport:domainName`: the proxy's address; apps are served under `<app>.<domainName>`. */
  readonly teleportDomainName: string;
  /** `teleport:certificateArn`: an ACM certificate for `teleportDomainName` and `*.teleportDomainName`. */
  readonly teleportCertificateArn: string;
  /** `teleport:githubClientId`: the GitHub OAuth app's client ID. */
  readonly githubClientId: string;
  /** `teleport:githubClientSecretArn`: the Secrets Manager secret holding the OAuth app's client secret (a plain string). */
  readonly githubClientSecretArn: string;
  /** `teleport:githubOrganization`: the organization whose teams sign in. */
  readonly githubOrganization: string;
  /** `teleport:githubTeam`: the team (slug) that gets the roles below. */
  readonly githubTeam: string;
}

/** Placeholders in account 111122223333: replace them through the context before you deploy. */
export const PLACEHOLDERS: ZeroTrustSettings = {
  ingressCertificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555',
  apiHost: 'api.example.com',
  teleportDomainName: 'teleport.example.com',
  teleportCertificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/66666666-7777-8888-9999-000000000000',
  githubClientId: 'Iv1.0123456789abcdef',
  githubClientSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:teleport/github-AbCdEf',
  githubOrganization: 'my-org',
  githubTeam: 'platform',
};

const CONTEXT_KEYS: Record<keyof ZeroTrustSettings, string> = {
  ingressCertificateArn: 'ingress:certificateArn',
  apiHost: 'api:host',
  teleportDomainName: 'teleport:domainName',
  teleportCertificateArn: 'teleport:certificateArn',
  githubClientId: 'teleport:githubClientId',
  githubClientSecretArn: 'teleport:githubClientSecretArn',
  githubOrganization: 'teleport:githubOrganization',
  githubTeam: 'teleport:githubTeam',
};

/** The settings named in the app's context, each falling back to its placeholder. */
export function settingsFrom(app: IConstruct): ZeroTrustSettings {
  const settings: Record<string, string> = {};
  for (const [key, contextKey] of Object.entries(CONTEXT_KEYS) as Array<[keyof ZeroTrustSettings, string]>) {
    const value = app.node.tryGetContext(contextKey);
    settings[key] = typeof value === 'string' && value.length > 0 ? value : PLACEHOLDERS[key];
  }
  return settings as unknown as ZeroTrustSettings;
}

/**
 * Teleport on the shared listener: GitHub SSO, the team's roles (Teleport's presets `access` and
 * `editor`, `db-main-db` from addDatabase, `platform-apps` for every app from addApp).
 */
export function teleportOptions(settings: ZeroTrustSettings): TeleportClusterOptions {
  return {
    domainName: settings.teleportDomainName,
    // Part of every certificate Teleport issues: it can never change after the first start.
    clusterName: 'platform',
    certificateArn: settings.teleportCertificateArn,
    listenerPriority: PRIORITIES.teleport,
    github: {
      clientId: settings.githubClientId,
      clientSecretArn: settings.githubClientSecretArn,
      organization: settings.githubOrganization,
      teamsToRoles: [{ team: settings.githubTeam, roles: ['access', 'editor', `db-${MAIN_DB_NAME}`, 'platform-apps'] }],
    },
  };
}

/** The GitOps seed's `sessions` table, as in the data-tier example. */
export function sessionsTableOptions(profile: EnvironmentProfile): ManagedTableOptions {
  return {
    profile,
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    sortKey: { name: 'sk', type: AttributeType.STRING },
    globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: { name: 'gsi1pk', type: AttributeType.STRING }, projection: ProjectionType.ALL }],
    timeToLiveAttribute: 'expiresAt',
  };
}

/** The Api on the shared listener, for its own host name only (Teleport's hosts are matched by their rule). */
export function apiServiceOptions(settings: ZeroTrustSettings): FargateWebServiceOptions {
  return {
    image: API_IMAGE,
    containerPort: 80,
    routing: { hostHeaders: [settings.apiHost], priority: PRIORITIES.api },
  };
}
