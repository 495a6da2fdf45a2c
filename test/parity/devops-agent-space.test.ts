/**
 * DevOpsAgentSpace parity: the same options give the same agent space in both
 * engines — the roles' trust conditions, managed policies and grants, the agent
 * space, its associations (service IDs and configuration), the forwarder and its
 * subscription filter, and what a stack deletion keeps — compared with one
 * toEqual per profile. Only the monitor's scope differs by design: CloudFormation
 * stacks in CDK, tags in Terraform.
 */
import { cdkStack, cdkTemplate } from '../helpers/cdk';
import { graphOf, roleGrants } from '../helpers/parity-platform';
import { tfStack, tfSynthFull } from '../helpers/terraform';
import { devOpsAgent } from '../upgrade/scenarios';
import { EnvironmentProfile } from 'ecs-platform-constructs';

type Json = Record<string, any>;

/** Keys in one spelling (`GitHub`, `git_hub` -> `github`), so CloudFormation's and awscc's configurations compare. */
const canonicalKeys = (value: any): any => Array.isArray(value) ? value.map(canonicalKeys) : value && typeof value === 'object'
  ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_/g, '').toLowerCase(), canonicalKeys(v)]))
  : value;

function normalise(output: Json, engine: 'cfn' | 'tf'): Json {
  const cfn = engine === 'cfn';
  const g = graphOf(output, engine);
  const resources: Array<[string, string, Json, Json]> = cfn
    ? Object.entries<Json>(output.Resources).map(([id, r]): [string, string, Json, Json] => [id, r.Type, r.Properties ?? {}, r])
    : Object.entries<Json>(output.resource).flatMap(([type, rs]) => Object.entries<Json>(rs).map(([name, r]): [string, string, Json, Json] => [`${type}.${name}`, type, r, r]));
  const ofType = (cfnType: string, tfType: string) => resources.filter(([, t]) => t === (cfn ? cfnType : tfType));
  const one = (cfnType: string, tfType: string, path: string) => {
    const found = ofType(cfnType, tfType).filter(([id]) => g.pathOf(id) === path);
    if (found.length !== 1) throw new Error(`${engine}: ${found.length} ${cfnType} at ${path}`);
    return found[0];
  };
  const role = (path: string) => {
    const [id, , props] = one('AWS::IAM::Role', 'aws_iam_role', path);
    const managed = cfn ? props.ManagedPolicyArns ?? []
      : ofType('', 'aws_iam_role_policy_attachment').filter(([, , a]) => g.ref(a.role) === id).map(([, , a]) => a.policy_arn);
    return { ...roleGrants(g, id, engine), managed: g.symbolic(managed) };
  };
  const [, , space, spaceResource] = one('AWS::DevOpsAgent::AgentSpace', 'awscc_devopsagent_agent_space', 'AgentAgentSpace');
  const associations = ofType('AWS::DevOpsAgent::Association', 'awscc_devopsagent_association').map(([, , a]) => {
    const c = canonicalKeys(g.symbolic(cfn ? { serviceId: a.ServiceId, agentSpaceId: a.AgentSpaceId, configuration: a.Configuration }
      : { serviceId: a.service_id, agentSpaceId: a.agent_space_id, configuration: a.configuration }));
    // The monitor's scope: stacks in CDK, tags in Terraform (compared below, not here).
    if (c.configuration.aws) delete c.configuration.aws.resources, delete c.configuration.aws.tags;
    return c;
  }).sort((a, b) => a.serviceid.localeCompare(b.serviceid));
  const [, , fn] = one('AWS::Lambda::Function', 'aws_lambda_function', 'AgentForwarder');
  const subscriptions = ofType('AWS::SNS::Subscription', 'aws_sns_topic_subscription').map(([, , s]) => cfn
    ? g.symbolic({ protocol: s.Protocol, topic: s.TopicArn, endpoint: s.Endpoint, scope: s.FilterPolicyScope, filter: s.FilterPolicy })
    : g.symbolic({
      protocol: s.protocol, topic: s.topic_arn, endpoint: s.endpoint, scope: s.filter_policy_scope, filter: JSON.parse(s.filter_policy),
    }));
  const [, , secret] = one('AWS::SecretsManager::Secret', 'aws_secretsmanager_secret', 'AgentWebhookSecret');
  return {
    roles: { agent: role('AgentAgentRole'), operator: role('AgentOperatorRole'), forwarder: role('AgentForwarderRole') },
    space: g.symbolic(cfn
      ? { name: space.Name, description: space.Description, operatorApp: space.OperatorApp?.Iam?.OperatorAppRoleArn }
      : { name: space.name, description: space.description, operatorApp: space.operator_app?.iam?.operator_app_role_arn }),
    spaceOnDelete: (cfn ? spaceResource.DeletionPolicy === 'Retain' : spaceResource.lifecycle?.prevent_destroy === true) ? 'kept' : 'deleted',
    associations,
    forwarder: g.symbolic(cfn
      ? {
        runtime: fn.Runtime,
        handler: fn.Handler,
        memory: fn.MemorySize,
        timeout: fn.Timeout,
        arch: fn.Architectures,
        env: fn.Environment.Variables,
        deadLetters: fn.DeadLetterConfig.TargetArn,
      }
      : {
        runtime: fn.runtime,
        handler: fn.handler,
        memory: fn.memory_size,
        timeout: fn.timeout,
        arch: fn.architectures,
        env: fn.environment.variables,
        deadLetters: fn.dead_letter_config.target_arn,
      }),
    subscriptions,
    permissions: ofType('AWS::Lambda::Permission', 'aws_lambda_permission')
      .map(([, , p]) => g.symbolic(cfn ? [p.Action, p.Principal, p.SourceArn] : [p.action, p.principal, p.source_arn])),
    secretKey: g.symbolic(cfn ? secret.KmsKeyId : secret.kms_key_id),
  };
}

test.each([EnvironmentProfile.DEVELOPMENT, EnvironmentProfile.PRODUCTION])('DevOpsAgentSpace parity (%s)', (profile) => {
  const scenario = devOpsAgent(profile);
  const { stack: cdkOut } = cdkStack('Parity');
  scenario.cdk(cdkOut);
  const { stack: tfOut } = tfStack('Parity');
  scenario.cdktf(tfOut);
  const cdkJson = cdkTemplate(cdkOut).toJSON();
  const tfJson = tfSynthFull(tfOut);
  const cdk = normalise(cdkJson, 'cfn');
  expect(normalise(tfJson, 'tf')).toEqual(cdk);

  expect(cdk.spaceOnDelete).toBe(profile === EnvironmentProfile.PRODUCTION ? 'kept' : 'deleted');
  expect(cdk.roles.agent.trust).toEqual([
    'Allow sts:AssumeRole to {"Service":"aidevops.amazonaws.com"} if {"ArnLike":{"aws:SourceArn":"arn:aws:aidevops:eu-west-1:111122223333:agentspace/*"},"StringEquals":{"aws:SourceAccount":"111122223333"}}',
  ]);
  expect(cdk.roles.agent.managed).toEqual(['arn:aws:iam::aws:policy/AIDevOpsAgentAccessPolicy']);
  expect(cdk.associations.map((a: Json) => a.serviceid)).toEqual(['aws', 'github-svc-1', 'slack-svc-1']);
  expect(cdk.subscriptions).toHaveLength(1);
  // The monitor's scope: this stack (CDK) and the platform's tag (CDKTF).
  const cfnMonitor = Object.values<Json>(cdkJson.Resources).find((r) => r.Type === 'AWS::DevOpsAgent::Association' && r.Properties.ServiceId === 'aws')!;
  expect(cfnMonitor.Properties.Configuration.Aws.Resources).toEqual([{ ResourceArn: { Ref: 'AWS::StackId' }, ResourceType: 'AWS::CloudFormation::Stack' }]);
  const tfMonitor = Object.values<Json>(tfJson.resource.awscc_devopsagent_association).find((r) => r.service_id === 'aws')!;
  expect(tfMonitor.configuration.aws.tags).toEqual([{ key: 'platform', value: 'golden' }]);
});
