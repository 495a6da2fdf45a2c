import { cdkDestructiveChanges, goldenPath, readGolden, tfDestructiveChanges } from '../helpers/golden';

/** The checks themselves, against doctored copies of a real golden file. */
describe('upgrade checks catch what would hurt users', () => {
  const cfn = readGolden(goldenPath('platform-network/production', 'cdk'));
  const tf = readGolden(goldenPath('platform-network/production', 'cdktf'));
  const clone = (x: unknown) => JSON.parse(JSON.stringify(x));

  test('CloudFormation: a moved subnet CIDR replaces the subnet and what hangs off it', () => {
    const changed = clone(cfn);
    const [id] = Object.entries<any>(changed.Resources).find(([, r]) => r.Type === 'AWS::EC2::Subnet')!;
    changed.Resources[id].Properties.CidrBlock = '10.0.250.0/24';
    const found = cdkDestructiveChanges(cfn, changed);
    expect(found).toContainEqual({ id, impact: 'WILL_REPLACE' });
    expect(found.map((c) => c.id)).toContainEqual(expect.stringMatching(/NATGateway/));
  });

  test('CloudFormation: a renamed logical ID (re-parented construct) destroys the old resource', () => {
    const changed = clone(cfn);
    const [id] = Object.entries<any>(changed.Resources).find(([, r]) => r.Type === 'AWS::Logs::LogGroup')!;
    changed.Resources[`${id}Renamed`] = changed.Resources[id];
    delete changed.Resources[id];
    expect(cdkDestructiveChanges(cfn, changed).map((c) => c.id)).toContain(id);
  });

  test('CloudFormation: a new tag is a safe update', () => {
    const changed = clone(cfn);
    const [id] = Object.entries<any>(changed.Resources).find(([, r]) => r.Type === 'AWS::EC2::VPC')!;
    changed.Resources[id].Properties.Tags.push({ Key: 'team', Value: 'platform' });
    expect(cdkDestructiveChanges(cfn, changed)).toEqual([]);
  });

  test('Terraform: a disappearing address and a force-new attribute are both caught', () => {
    const changed = clone(tf);
    const [subnet] = Object.keys(changed.resource.aws_subnet);
    changed.resource.aws_subnet[subnet].availability_zone = 'eu-west-1c';
    const [group] = Object.keys(changed.resource.aws_cloudwatch_log_group);
    delete changed.resource.aws_cloudwatch_log_group[group];
    expect(tfDestructiveChanges(tf, changed)).toEqual([
      { id: `aws_subnet.${subnet}`, impact: 'WILL_REPLACE (availability_zone)' },
      { id: `aws_cloudwatch_log_group.${group}`, impact: 'ADDRESS_REMOVED' },
    ].sort((a, b) => Object.keys(tf.resource).indexOf(a.id.split('.')[0]) - Object.keys(tf.resource).indexOf(b.id.split('.')[0])));
  });

  test('Terraform: a changed capacity-provider strategy replaces a service unless force_new_deployment is set', () => {
    const web = readGolden(goldenPath('web-tier/development', 'cdktf'));
    const [name] = Object.keys(web.resource.aws_ecs_service);
    const spotOff = clone(web);
    spotOff.resource.aws_ecs_service[name].capacity_provider_strategy = [{ capacity_provider: 'FARGATE', base: 0, weight: 1 }];
    // What every service renders: the change rolls the service in place.
    expect(spotOff.resource.aws_ecs_service[name].force_new_deployment).toBe(true);
    expect(tfDestructiveChanges(web, spotOff)).toEqual([]);
    // Without it (the library before this was fixed), provider 5 destroys and recreates the service.
    delete spotOff.resource.aws_ecs_service[name].force_new_deployment;
    expect(tfDestructiveChanges(web, spotOff)).toEqual([
      { id: `aws_ecs_service.${name}`, impact: 'WILL_REPLACE (capacity_provider_strategy without force_new_deployment)' },
    ]);
  });

  test('Terraform: a retention change is an in-place update', () => {
    const changed = clone(tf);
    const [group] = Object.keys(changed.resource.aws_cloudwatch_log_group);
    changed.resource.aws_cloudwatch_log_group[group].retention_in_days = 731;
    expect(tfDestructiveChanges(tf, changed)).toEqual([]);
  });

  describe('Teleport: a new configuration is a new task-definition revision; a renamed table or namespace is a replacement', () => {
    const cfnTeleport = readGolden(goldenPath('teleport-cluster/production', 'cdk'));
    const tfTeleport = readGolden(goldenPath('teleport-cluster/production', 'cdktf'));

    test('CloudFormation: a changed container definition is not destructive, a removed task definition is', () => {
      const changed = clone(cfnTeleport);
      const [id] = Object.entries<any>(changed.Resources).find(([tid, r]) => r.Type === 'AWS::ECS::TaskDefinition' && tid.startsWith('Teleport'))!;
      changed.Resources[id].Properties.ContainerDefinitions[0].StopTimeout = 60;
      expect(cdkDestructiveChanges(cfnTeleport, changed)).toEqual([]);
      delete changed.Resources[id];
      expect(cdkDestructiveChanges(cfnTeleport, changed).map((c) => c.id)).toContain(id);
    });

    test('Terraform: container definitions may change; a state table\'s key or the app namespace\'s name may not', () => {
      const changed = clone(tfTeleport);
      const [td] = Object.keys(changed.resource.aws_ecs_task_definition).filter((n) => n.startsWith('Teleport'));
      changed.resource.aws_ecs_task_definition[td].container_definitions = '[]';
      expect(tfDestructiveChanges(tfTeleport, changed)).toEqual([]);
      const [table] = Object.keys(changed.resource.aws_dynamodb_table).filter((n) => n.startsWith('Teleport_StateTable'));
      changed.resource.aws_dynamodb_table[table].range_key = 'Path';
      const [namespace] = Object.keys(changed.resource.aws_service_discovery_private_dns_namespace);
      changed.resource.aws_service_discovery_private_dns_namespace[namespace].name = 'other.teleport.internal';
      expect(tfDestructiveChanges(tfTeleport, changed)).toEqual([
        { id: `aws_dynamodb_table.${table}`, impact: 'WILL_REPLACE (range_key)' },
        { id: `aws_service_discovery_private_dns_namespace.${namespace}`, impact: 'WILL_REPLACE (name)' },
      ]);
    });
  });
});
