import type { PropSchema } from '../constructs/prop-schema';

/** The subset of JSON Schema (draft-07) the platform spec's schema uses. */
export interface JsonSchema {
  readonly $schema?: string;
  readonly $id?: string;
  readonly title?: string;
  readonly description?: string;
  readonly markdownDescription?: string;
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly additionalProperties?: boolean | JsonSchema;
  readonly propertyNames?: JsonSchema;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly default?: unknown;
  readonly examples?: readonly unknown[];
}

/**
 * The JSON Schema of a construct option's run-time shape (src/constructs' prop schemas): a spec key that
 * passes an option through unchanged is checked exactly as the construct types it, from one definition.
 * Construct references (`object` schemas) have no YAML form and are left out by the callers.
 */
export function fromPropSchema(schema: PropSchema, description?: string): JsonSchema {
  const withDoc = (s: JsonSchema): JsonSchema => (description ? { description, ...s } : s);
  switch (schema.kind) {
    case 'boolean':
    case 'integer':
    case 'number':
    case 'string':
      return withDoc({ type: schema.kind });
    case 'enum':
      return withDoc({ enum: [...schema.values] });
    case 'array':
      return withDoc({ type: 'array', items: fromPropSchema(schema.of) });
    case 'map':
      return withDoc({ type: 'object', additionalProperties: fromPropSchema(schema.of) });
    case 'struct': {
      const properties: Record<string, JsonSchema> = {};
      for (const [name, field] of Object.entries(schema.fields)) {
        if (field.kind !== 'object') properties[name] = fromPropSchema(field);
      }
      return withDoc({
        type: 'object',
        properties,
        ...(schema.required && schema.required.length > 0 ? { required: [...schema.required] } : {}),
        additionalProperties: false,
      });
    }
    case 'object':
      throw new Error(`a construct reference (${schema.expected}) has no JSON Schema`);
  }
}
