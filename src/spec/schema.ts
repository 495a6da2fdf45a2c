/**
 * The platform spec's JSON Schema, built from the section tables (sections.ts). It is published in the
 * package as `platform-spec.schema.json` (scripts/write-spec-schema.js) so editors complete and check the
 * YAML (`# yaml-language-server: $schema=...`), and `validate` checks every file against it with Ajv.
 */
import { JsonSchema } from './json-schema';
import { KeyRule, NAME_PATTERN, SECTIONS, SpecSection } from './sections';

/** Where the published schema lives, for `$schema` comments and the `$id`. */
export const SPEC_SCHEMA_FILE = 'platform-spec.schema.json';

interface MutableObjectSchema {
  type: 'object';
  description?: string;
  properties: Record<string, JsonSchema | MutableObjectSchema>;
  required?: string[];
  additionalProperties: false;
}

/** One entry's schema: the dotted keys of the rules nested into objects that take no other key. */
export function entrySchema(rules: readonly KeyRule[], required: readonly string[] = [], description?: string): JsonSchema {
  const root: MutableObjectSchema = { type: 'object', properties: {}, additionalProperties: false, ...(description ? { description } : {}) };
  for (const rule of rules) {
    const parts = rule.key.split('.');
    let at = root;
    for (const part of parts.slice(0, -1)) {
      at.properties[part] = at.properties[part] ?? { type: 'object', properties: {}, additionalProperties: false };
      at = at.properties[part] as MutableObjectSchema;
    }
    at.properties[parts[parts.length - 1]] = rule.schema;
  }
  for (const key of required) {
    const parts = key.split('.');
    let at = root;
    for (const part of parts.slice(0, -1)) at = at.properties[part] as MutableObjectSchema;
    at.required = [...(at.required ?? []), parts[parts.length - 1]];
  }
  return root;
}

function sectionSchema(section: SpecSection): JsonSchema {
  const entry = entrySchema(section.rules, section.required, section.named ? undefined : section.description);
  if (!section.named) return entry;
  return {
    type: 'object',
    description: section.description,
    propertyNames: { pattern: NAME_PATTERN },
    additionalProperties: entry,
  };
}

/**
 * The schema of one layer file, as published for editors: no key is required (a layer gives what it
 * changes) and any key may be `null` (`~` removes an inherited value). `validate` checks the merged
 * result against the strict schema (platformSpecJsonSchema).
 */
export function platformSpecLayerSchema(): JsonSchema {
  const layer = (schema: JsonSchema): JsonSchema => {
    const { required: _required, ...rest } = schema;
    return {
      ...rest,
      ...(schema.properties ? { properties: Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, nullable(layer(v))])) } : {}),
      ...(typeof schema.additionalProperties === 'object' ? { additionalProperties: nullable(layer(schema.additionalProperties)) } : {}),
      ...(schema.items ? { items: layer(schema.items) } : {}),
    };
  };
  const nullable = (schema: JsonSchema): JsonSchema => ({
    ...(schema.description ? { description: schema.description } : {}),
    anyOf: [schema, { type: 'null', description: '~ (null): remove the value this layer inherits' }],
  });
  const strict = platformSpecJsonSchema();
  return { ...layer(strict), description: `${strict.description} This is the schema of one layer file; the merged result must also give platform.name and platform.region.` };
}

/** The merged spec's schema: what `validate` checks once the layers are merged. */
export function platformSpecJsonSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://unpkg.com/ecs-platform-constructs/${SPEC_SCHEMA_FILE}`,
    title: 'ecs-platform-constructs platform spec',
    description: 'A container platform on AWS ECS Fargate: defaults.yaml < platform.yaml < environments/<env>.yaml, deep-merged (docs/platform-spec.md).',
    type: 'object',
    properties: Object.fromEntries(SECTIONS.map((section) => [section.name, sectionSchema(section)])),
    required: ['platform'],
    additionalProperties: false,
  };
}
