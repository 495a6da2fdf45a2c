import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { withRetry } from './retry';

/**
 * A secret read once per container (module scope) and parsed; `refresh()` reads it again, for
 * callers that learn the value has rotated (a webhook answering 404, an API answering 401).
 * Never logs the value.
 */
export class CachedSecret<T> {
  private cached?: { readonly arn: string; readonly value: Promise<T> };

  constructor(private readonly client: SecretsManagerClient, private readonly parse: (secretString: string) => T) {}

  get(arn: string): Promise<T> {
    if (this.cached?.arn !== arn) {
      const value = this.load(arn);
      this.cached = { arn, value };
      // A failed read is not cached: the next invocation tries again.
      value.catch(() => {
        if (this.cached?.value === value) this.cached = undefined;
      });
    }
    return this.cached!.value;
  }

  refresh(arn: string): Promise<T> {
    this.cached = undefined;
    return this.get(arn);
  }

  clear(): void {
    this.cached = undefined;
  }

  private async load(arn: string): Promise<T> {
    const out = await withRetry(() => this.client.send(new GetSecretValueCommand({ SecretId: arn })), { label: 'secretsmanager:GetSecretValue' });
    if (typeof out.SecretString !== 'string' || out.SecretString.trim() === '') {
      throw new Error(`secret ${arn} has no SecretString (binary secrets are not supported)`);
    }
    return this.parse(out.SecretString);
  }
}
