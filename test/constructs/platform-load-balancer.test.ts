import { EnvironmentProfile } from '../../src/constructs';
import { planLoadBalancer, PlatformLoadBalancerOptions } from '../../src/constructs/platform-load-balancer';
import { ValidationContext } from '../../src/constructs/validation';

const context: ValidationContext = { construct: 'PlatformLoadBalancer', path: 'Stack/Ingress', isUnresolved: () => false };
const plan = (o: PlatformLoadBalancerOptions = {}, profile = EnvironmentProfile.DEVELOPMENT) => planLoadBalancer(o, profile, context);
const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';

describe('load balancer plan', () => {
  test('GIVEN no certificate THEN plain HTTP on 80, open to the internet on that port only', () => {
    expect(plan()).toMatchObject({ https: false, listenerPorts: [80], allowedCidrs: ['0.0.0.0/0'], deletionProtection: false, dropInvalidHeaderFields: true });
  });

  test('GIVEN a certificate or a domain THEN HTTPS on 443 and HTTP 80 (redirect)', () => {
    expect(plan({ certificateArn: CERT })).toMatchObject({ https: true, listenerPorts: [80, 443], sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' });
    expect(plan({ domain: { domainName: 'app.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' } }).https).toBe(true);
  });

  test('PRODUCTION turns deletion protection on and keeps access logs a year', () => {
    expect(plan({}, EnvironmentProfile.PRODUCTION)).toMatchObject({ deletionProtection: true, accessLogRetentionDays: 365, retainOnDelete: true });
    expect(plan({ deletionProtection: false }, EnvironmentProfile.PRODUCTION).deletionProtection).toBe(false);
  });

  test.each<[string, PlatformLoadBalancerOptions, RegExp]>([
    ['certificate and domain together', { certificateArn: CERT, domain: { domainName: 'a.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' } }, /certificateArn: .*not both/],
    ['not an ACM ARN', { certificateArn: 'my-cert' }, /certificateArn: got "my-cert"; expected an ACM certificate ARN/],
    ['bad domain name', { domain: { domainName: 'not a name', hostedZoneId: 'Z0123456789ABCDEFGHIJ' } }, /domain.domainName: got "not a name"/],
    ['bad hosted zone', { domain: { domainName: 'a.example.com', hostedZoneId: 'zone' } }, /domain.hostedZoneId: got "zone"/],
    ['bad CIDR', { allowedCidrs: ['10.0.0.0'] }, /allowedCidrs\[0\]: got "10.0.0.0"/],
    ['no CIDRs', { allowedCidrs: [] }, /allowedCidrs: got \[\]; expected at least one/],
    ['idle timeout out of range', { idleTimeoutSeconds: 0 }, /idleTimeoutSeconds: got 0/],
  ])('%s', (_name, options, message) => {
    expect(() => plan(options)).toThrow(message);
  });
});

test('access-log prefix and desync mitigation are planned once for both engines', () => {
  expect(plan()).toMatchObject({ accessLogPrefix: 'alb', desyncMitigationMode: 'defensive' });
});
