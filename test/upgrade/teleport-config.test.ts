/**
 * Teleport's configuration files as the engine-neutral core renders them, pinned as golden
 * files: a change is a new task-definition revision and a restart of every Teleport task, so it
 * is made on purpose (`npm run golden:update`), never by accident.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { EnvironmentProfile } from '../../src/constructs/environment-profile';
import { DatabaseEngine } from '../../src/constructs/managed-database';
import {
  planTeleport, planTeleportApp, planTeleportDatabase, TELEPORT_CONFIG_SCRIPT, teleportConfigYaml, teleportConnectorYamlHead, teleportRolesYaml,
} from '../../src/constructs/teleport-cluster';
import { PropsValidator, ValidationContext } from '../../src/constructs/validation';
import { GOLDEN_DIR, UPDATING } from '../helpers/golden';

const context: ValidationContext = { construct: 'TeleportCluster', path: 'Golden/Teleport', isUnresolved: () => false };
const DIR = join(GOLDEN_DIR, 'teleport-cluster', 'config');

function rendered(): Record<string, string> {
  const plan = planTeleport({
    domainName: 'teleport.example.com',
    clusterName: 'platform',
    github: {
      clientId: 'Iv1.0123456789abcdef',
      clientSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:teleport/github-AbCdEf',
      organization: 'my-org',
      teamsToRoles: [{ team: 'platform', roles: ['access', 'editor', 'db-main-db', 'platform-apps'] }, { team: 'security', roles: ['auditor'] }],
    },
  }, { sharedLoadBalancer: true, loadBalancerHttps: true, takenPriorities: [100], clusterProfile: EnvironmentProfile.PRODUCTION }, context);
  planTeleportDatabase(plan, { name: 'main-db', users: ['app_readonly'] }, {
    source: 'MainDb',
    sameNetwork: true,
    id: 'MainDb',
    engine: DatabaseEngine.POSTGRES,
    databaseName: 'main',
    address: 'main-db.abcdefghijkl.eu-west-1.rds.amazonaws.com',
    port: 5432,
    instanceIdentifier: 'main-db',
    resourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    instanceArn: 'arn:aws:rds:eu-west-1:111122223333:db:main-db',
  }, new PropsValidator(context));
  planTeleportApp(plan, { name: 'api' }, { source: 'Api', id: 'Api', sameNetwork: true, host: 'api.platform.teleport.internal', port: 80 }, new PropsValidator(context));
  const names = { region: 'eu-west-1', stateTableName: 'teleport-state', eventsTableName: 'teleport-events', recordingsBucketName: 'teleport-recordings' };
  return {
    'teleport.yaml': teleportConfigYaml(plan, names),
    'apply-on-startup.yaml': teleportRolesYaml(plan),
    'bootstrap.yaml': `${teleportRolesYaml(plan)}---\n${teleportConnectorYamlHead(plan)}    <the client secret, appended at task start>\n`,
    'write-config.sh': `${TELEPORT_CONFIG_SCRIPT}\n`,
  };
}

test.each(Object.entries(rendered()))('Teleport config %s equals its golden file (rewrite it only on purpose: npm run golden:update)', (name, content) => {
  const file = join(DIR, name);
  if (UPDATING) {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(file, content);
    return;
  }
  if (!existsSync(file)) throw new Error(`No golden file ${file}: run \`npm run golden:update\` and commit it.`);
  expect(content).toBe(readFileSync(file, 'utf8'));
});
