/**
 * Engine-neutral cost model: the billable resources both readers (CloudFormation, Terraform JSON)
 * produce, and the price rules that turn them into monthly line items. Every rule is plain
 * arithmetic over the dated price table (cost/prices-us-east-1.json) and its stated assumptions.
 */
import * as table from './prices-us-east-1.json';

export interface PriceEntry {
  readonly price: number;
  readonly unit: string;
  readonly source: string;
  readonly verified: boolean;
  readonly confirmedBy?: string;
  readonly note?: string;
}

export interface PriceTable {
  readonly region: string;
  readonly date: string;
  readonly hoursPerMonth: number;
  readonly prices: Record<string, PriceEntry>;
  readonly rdsInstanceHour: Record<string, PriceEntry>;
  readonly assumptions: Record<string, { readonly value: number; readonly text: string }>;
}

export const PRICES: PriceTable = table as PriceTable;

/** Gateway endpoints (S3, DynamoDB) have no hourly or data charge. */
const GATEWAY_ENDPOINT: PriceEntry = { price: 0, unit: 'gateway endpoint (no charge)', source: 'https://aws.amazon.com/privatelink/pricing/', verified: true };

export interface CapacityShare {
  readonly provider: string;
  readonly base: number;
  readonly weight: number;
}

interface Common {
  /** Stack name as the engine names it (CDK `ZeroTrustApps`, Terraform `zero-trust-apps`). */
  readonly stack: string;
  /** Construct path: CloudFormation `aws:cdk:path`, Terraform `//.metadata.path`. */
  readonly path: string;
  /** The engine's resource type. */
  readonly type: string;
}

export type Billable = Common & (
  | { readonly kind: 'natGateway' }
  | { readonly kind: 'eip' }
  | { readonly kind: 'alb'; readonly internetFacing: boolean; readonly azs: number }
  | {
    readonly kind: 'fargateService';
    readonly vcpu: number;
    readonly memoryGb: number;
    readonly arch: 'X86_64' | 'ARM64';
    readonly tasks: number;
    readonly strategy: readonly CapacityShare[];
  }
  | {
    readonly kind: 'rdsInstance';
    readonly engine: string;
    readonly instanceClass: string;
    readonly multiAz: boolean;
    readonly storageGb: number;
    readonly storageType: string;
    readonly backupRetentionDays: number;
    readonly managedSecret: boolean;
  }
  | { readonly kind: 'dynamodbTable'; readonly pitr: boolean; readonly onDemand: boolean }
  | { readonly kind: 'logGroup'; readonly retentionDays?: number }
  | { readonly kind: 'alarm'; readonly metrics: number }
  | { readonly kind: 'kmsKey' }
  | { readonly kind: 's3Bucket' }
  | { readonly kind: 'secret' }
  | { readonly kind: 'vpcEndpoint'; readonly endpointType: string; readonly azs: number }
  | { readonly kind: 'lambda' }
  | { readonly kind: 'ecrRepository' }
  | { readonly kind: 'dnsNamespace' }
);

export interface LineItem {
  readonly stack: string;
  /** The top-level construct: `<stack>/<first construct id>`. */
  readonly construct: string;
  /** The rest of the path and what is billed. */
  readonly resource: string;
  readonly kind: Billable['kind'];
  readonly quantity: number;
  readonly unit: string;
  readonly unitPrice: number;
  readonly monthly: number;
  readonly priceKey: string;
}

/** Tasks per capacity provider: each provider's base first (in order), the rest by weight. */
export function splitTasks(tasks: number, strategy: readonly CapacityShare[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (strategy.length === 0) return { FARGATE: tasks };
  let remaining = tasks;
  for (const s of strategy) {
    const take = Math.min(s.base, remaining);
    out[s.provider] = (out[s.provider] ?? 0) + take;
    remaining -= take;
  }
  const weights = strategy.reduce((sum, s) => sum + s.weight, 0);
  for (const s of strategy) {
    const share = weights > 0 ? (remaining * s.weight) / weights : s === strategy[0] ? remaining : 0;
    out[s.provider] = (out[s.provider] ?? 0) + share;
  }
  return out;
}

/** Storage billed for a log group at steady state: monthly GB x retention days / 30 (12 months if never expiring). */
export function storedLogGb(gbPerMonth: number, retentionDays?: number): number {
  const days = retentionDays && retentionDays > 0 ? retentionDays : 365;
  return (gbPerMonth * days) / 30;
}

/** Billable RDS backup GB: allocated + retention x daily change, less the free 100 % of allocated storage. */
export function billableBackupGb(storageGb: number, retentionDays: number, dailyChange: number): number {
  if (retentionDays <= 0) return 0;
  return storageGb * retentionDays * dailyChange;
}

export function constructOf(path: string): { construct: string; rest: string } {
  const parts = path.split('/');
  // A PlatformSpecStack (`<platform>-<env>/Platform/<construct>`): one stack per environment, so the
  // constructs are named without the stack, and the environments' rows line up.
  if (parts[1] === 'Platform' && parts.length > 3) return { construct: `Platform/${parts[2]}`, rest: parts.slice(3).join('/') };
  return { construct: parts.slice(0, 2).join('/'), rest: parts.slice(2).join('/') || parts[1] || path };
}

/** Price a whole stack set (NAT data is spread per stack, over that stack's NAT gateways). */
export function priceAll(items: readonly Billable[], options: { readonly s3ViaNatGbPerVpc?: number } = {}, prices: PriceTable = PRICES): LineItem[] {
  const P = prices.prices;
  const A = prices.assumptions;
  const H = prices.hoursPerMonth;
  const out: LineItem[] = [];
  const natsPerStack = new Map<string, number>();
  for (const i of items) if (i.kind === 'natGateway') natsPerStack.set(i.stack, (natsPerStack.get(i.stack) ?? 0) + 1);

  for (const i of items) {
    const { construct, rest } = constructOf(i.path);
    const line = (what: string, quantity: number, priceKey: string, entry: PriceEntry, unitPrice = entry.price) => out.push({
      stack: i.stack, construct, resource: `${rest} (${what})`, kind: i.kind, quantity, unit: entry.unit, unitPrice, monthly: quantity * unitPrice, priceKey,
    });
    switch (i.kind) {
      case 'natGateway': {
        const nats = natsPerStack.get(i.stack) ?? 1;
        const gb = (A.natDataGbPerVpcMonth.value + (options.s3ViaNatGbPerVpc ?? 0)) / nats;
        line('NAT gateway-hours', H, 'natGatewayHour', P.natGatewayHour);
        line('NAT GB processed', gb, 'natGatewayGb', P.natGatewayGb);
        break;
      }
      case 'eip':
        line('public IPv4 address-hours', H, 'publicIpv4Hour', P.publicIpv4Hour);
        break;
      case 'alb':
        line('ALB-hours', H, 'albHour', P.albHour);
        line('LCU-hours', H * A.albLcuAverage.value, 'albLcuHour', P.albLcuHour);
        if (i.internetFacing) line('public IPv4 address-hours', H * i.azs * A.albPublicIpsPerAz.value, 'publicIpv4Hour', P.publicIpv4Hour);
        break;
      case 'fargateService': {
        const split = splitTasks(i.tasks, i.strategy);
        const arm = i.arch === 'ARM64';
        const vcpu = arm ? P.fargateArmVcpuHour : P.fargateX86VcpuHour;
        const gb = arm ? P.fargateArmGbHour : P.fargateX86GbHour;
        const vKey = arm ? 'fargateArmVcpuHour' : 'fargateX86VcpuHour';
        const gKey = arm ? 'fargateArmGbHour' : 'fargateX86GbHour';
        const od = split.FARGATE ?? 0;
        const spot = split.FARGATE_SPOT ?? 0;
        if (od > 0 || spot === 0) {
          line(`${fmtQty(od)} on-demand task(s) x ${i.vcpu} vCPU-hours`, od * i.vcpu * H, vKey, vcpu);
          line(`${fmtQty(od)} on-demand task(s) x ${i.memoryGb} GB-hours`, od * i.memoryGb * H, gKey, gb);
        }
        if (spot > 0) {
          const f = P.fargateSpotFactor.price;
          line(`${fmtQty(spot)} Spot task(s) x ${i.vcpu} vCPU-hours`, spot * i.vcpu * H, `${vKey}*fargateSpotFactor`, vcpu, vcpu.price * f);
          line(`${fmtQty(spot)} Spot task(s) x ${i.memoryGb} GB-hours`, spot * i.memoryGb * H, `${gKey}*fargateSpotFactor`, gb, gb.price * f);
        }
        break;
      }
      case 'rdsInstance': {
        const key = `${i.engine}:${i.instanceClass}`;
        const inst = prices.rdsInstanceHour[key];
        if (!inst) throw new Error(`cost: no price for RDS ${key} in the price table (${i.path}); add it to cost/prices-us-east-1.json`);
        const copies = i.multiAz ? 2 : 1;
        line(`${copies} x ${i.instanceClass} instance-hours${i.multiAz ? ', Multi-AZ' : ''}`, H * copies, `rdsInstanceHour[${key}]`, inst);
        const storage = i.storageType === 'gp2' ? P.rdsGp2GbMonth : P.rdsGp3GbMonth;
        line(`${copies} x ${i.storageGb} GB ${i.storageType}`, i.storageGb * copies, i.storageType === 'gp2' ? 'rdsGp2GbMonth' : 'rdsGp3GbMonth', storage);
        line(`backup GB beyond the free ${i.storageGb} GB, ${i.backupRetentionDays} days kept`, billableBackupGb(i.storageGb, i.backupRetentionDays, A.rdsBackupDailyChange.value), 'rdsBackupGbMonth', P.rdsBackupGbMonth);
        if (i.managedSecret) line('RDS-managed master secret', 1, 'secretMonth', P.secretMonth);
        break;
      }
      case 'dynamodbTable': {
        const gb = A.dynamodbGbPerTable.value;
        line('GB stored', gb, 'dynamodbStorageGbMonth', P.dynamodbStorageGbMonth);
        if (i.pitr) line('GB under point-in-time recovery', gb, 'dynamodbPitrGbMonth', P.dynamodbPitrGbMonth);
        break;
      }
      case 'logGroup': {
        const gb = A.logGbPerGroupMonth.value;
        line('GB ingested', gb, 'logsIngestionGb', P.logsIngestionGb);
        line(`GB stored, ${i.retentionDays ? `${i.retentionDays} days` : 'never expires'}`, storedLogGb(gb, i.retentionDays), 'logsStorageGbMonth', P.logsStorageGbMonth);
        break;
      }
      case 'alarm':
        line('alarm metrics', i.metrics, 'alarmStandardMetricMonth', P.alarmStandardMetricMonth);
        break;
      case 'kmsKey':
        line('customer-managed key', 1, 'kmsKeyMonth', P.kmsKeyMonth);
        break;
      case 's3Bucket':
        line('GB in S3 Standard', A.s3GbPerBucket.value, 's3StandardGbMonth', P.s3StandardGbMonth);
        break;
      case 'secret':
        line('secret', 1, 'secretMonth', P.secretMonth);
        break;
      case 'vpcEndpoint':
        if (i.endpointType === 'Interface') line(`interface endpoint AZ-hours (${i.azs} AZs)`, H * i.azs, 'vpcInterfaceEndpointAzHour', P.vpcInterfaceEndpointAzHour);
        else line(`${i.endpointType.toLowerCase()} endpoint`, 1, 'gatewayEndpoint', GATEWAY_ENDPOINT);
        break;
      case 'lambda':
        line('function at free-tier volume', 1, 'lambdaMonth', P.lambdaMonth);
        break;
      case 'ecrRepository':
        line('GB of images', A.ecrGbPerRepository.value, 'ecrStorageGbMonth', P.ecrStorageGbMonth);
        break;
      case 'dnsNamespace':
        line('private hosted zone', 1, 'route53HostedZoneMonth', P.route53HostedZoneMonth);
        break;
    }
  }
  return out;
}

/**
 * The seeds' own layout for the same resources: 2 NAT gateways (and their 2 addresses) in every stack
 * that has NAT gateways, every Fargate task on-demand, no S3 gateway endpoint (its traffic goes through NAT).
 */
export function seedsLayout(items: readonly Billable[]): { items: Billable[]; s3ViaNatGbPerVpc: number } {
  const out: Billable[] = [];
  const stacks = new Set(items.filter((i) => i.kind === 'natGateway').map((i) => i.stack));
  for (const stack of stacks) {
    const nats = items.filter((i) => i.stack === stack && i.kind === 'natGateway');
    const eips = items.filter((i) => i.stack === stack && i.kind === 'eip');
    for (let n = 0; n < 2; n++) {
      out.push({ ...nats[Math.min(n, nats.length - 1)], path: n < nats.length ? nats[n].path : `${nats[0].path} (seeds' 2nd)` });
      if (eips.length) out.push({ ...eips[Math.min(n, eips.length - 1)], path: n < eips.length ? eips[n].path : `${eips[0].path} (seeds' 2nd)` });
    }
    // Any EIP beyond the NATs' own stays.
    out.push(...eips.slice(nats.length));
  }
  for (const i of items) {
    if (stacks.has(i.stack) && (i.kind === 'natGateway' || i.kind === 'eip')) continue;
    if (i.kind === 'vpcEndpoint' && i.endpointType === 'Gateway') continue;
    if (i.kind === 'fargateService') out.push({ ...i, strategy: [{ provider: 'FARGATE', base: 0, weight: 1 }] });
    else out.push(i);
  }
  return { items: out, s3ViaNatGbPerVpc: PRICES.assumptions.seedsS3ViaNatGbMonth.value };
}

export function total(lines: readonly LineItem[]): number {
  return lines.reduce((sum, l) => sum + l.monthly, 0);
}

export function fmtQty(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, '').replace(/\.$/, '');
}
