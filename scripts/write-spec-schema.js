#!/usr/bin/env node
// Writes what is generated from the platform spec's section tables (src/spec/sections.ts), from the
// compiled library (run `npx projen compile` first):
//   - platform-spec.schema.json at the repository root (shipped in the package; editors read it through
//     `# yaml-language-server: $schema=node_modules/ecs-platform-constructs/platform-spec.schema.json`),
//   - the key reference tables in docs/platform-spec.md, between <!-- spec-keys:start --> and
//     <!-- spec-keys:end -->.
// With --check it writes nothing and exits 1 naming each stale file.
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const SCHEMA_FILE = 'platform-spec.schema.json';
const DOC_FILE = path.join('docs', 'platform-spec.md');
const START = '<!-- spec-keys:start -->';
const END = '<!-- spec-keys:end -->';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--check');
if (unknown.length > 0) {
  console.error(`write-spec-schema: unknown argument ${unknown.join(' ')}\nUsage: node scripts/write-spec-schema.js [--check]`);
  process.exit(2);
}
const check = args.includes('--check');

let schemaModule;
let sectionsModule;
try {
  schemaModule = require('../lib/spec/schema');
  sectionsModule = require('../lib/spec/sections');
} catch (error) {
  console.error(`write-spec-schema: cannot load the compiled library (lib/spec): ${error.message.split('\n')[0]}\nRun \`npx projen compile\` first.`);
  process.exit(2);
}
const { platformSpecLayerSchema } = schemaModule;
const { SECTIONS } = sectionsModule;

// --- the schema ---------------------------------------------------------------------------------------------
const schemaText = `${JSON.stringify(platformSpecLayerSchema(), undefined, 2)}\n`;

// --- the key tables -----------------------------------------------------------------------------------------
/** A table cell: one line, pipes escaped (also inside code spans, as GitHub's tables need). */
function cell(text) {
  return String(text).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

function code(value) {
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

const PLURAL = { string: 'strings', integer: 'integers', number: 'numbers', boolean: 'booleans', object: 'objects' };

/** What a key takes, in words, from its JSON Schema. */
function typeOf(schema, plural = false) {
  if (!schema || typeof schema !== 'object') return 'any';
  if ('const' in schema) return `only ${code(schema.const)}`;
  if (schema.enum) return schema.enum.map(code).join(', ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) {
    const fields = schema.properties ? ` (${Object.keys(schema.properties).map(code).join(', ')})` : '';
    return `${types.map((t) => (plural ? PLURAL[t] ?? t : t)).join(' or ')}${fields}`;
  }
  const type = types[0];
  if (type === 'array') {
    const max = schema.maxItems !== undefined ? `, at most ${schema.maxItems}` : '';
    return `list of ${typeOf(schema.items, true)}${max}`;
  }
  if (type === 'object') {
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      return `map of ${typeOf(schema.additionalProperties, true)}`;
    }
    if (schema.properties) {
      const names = Object.keys(schema.properties);
      const required = schema.required ?? [];
      const requiredText = required.length > 0 && required.length < names.length ? `; required: ${required.map(code).join(', ')}` : '';
      return `${plural ? 'objects' : 'object'} (${names.map(code).join(', ')}${requiredText})`;
    }
    return plural ? 'objects' : 'object';
  }
  if (type) return plural ? PLURAL[type] ?? type : type;
  return 'any';
}

/** The section whose rules are all another section's (`defaults` takes the keys of `services`). */
function subsetOf(section) {
  if (section.rules.length === 0) return undefined;
  return SECTIONS.find((other) => other !== section && other.rules.length > section.rules.length && section.rules.every((rule) => other.rules.includes(rule)));
}

function keyRows(section) {
  const required = section.required ?? [];
  return section.rules.map((rule) => {
    const key = `${code(rule.key)}${required.includes(rule.key) ? ' (required)' : ''}`;
    const prop = rule.prop ? code(rule.prop) : '—';
    const description = `${rule.schema.description ?? ''}${rule.only ? ` *${rule.only[0].toUpperCase()}${rule.only.slice(1)} services only.*` : ''}`;
    return `| ${cell(key)} | ${cell(prop)} | ${cell(typeOf(rule.schema))} | ${cell(description)} |`;
  });
}

function sectionText(section) {
  const where = section.named ? `${section.name}.<name>` : section.name;
  const lines = [`### \`${section.name}\` keys`, '', section.description, ''];
  lines.push(`Builds: ${section.builds}.${section.named ? ` A map of entries by name (lower-case letters, digits and hyphens, starting with a letter, 2 to 40 long); the keys below are each entry's: \`${where}.<key>\`.` : ''}`);
  lines.push('');
  const parent = subsetOf(section);
  if (parent) {
    const taken = new Set(section.rules.map((r) => r.key));
    const left = parent.rules.filter((r) => !taken.has(r.key)).map((r) => code(r.key));
    lines.push(`Takes the keys of [\`${parent.name}\`](#${parent.name.toLowerCase()}-keys), with the same meaning and construct props, except ${left.join(', ')}. Keys for web services only are skipped for workers.`);
    lines.push('');
    return lines.join('\n');
  }
  lines.push('| key | construct prop | type | description |', '|---|---|---|---|', ...keyRows(section), '');
  return lines.join('\n');
}

function keyTables() {
  const overview = [
    '| section | builds | entries by name |',
    '|---|---|---|',
    ...SECTIONS.map((s) => `| [\`${s.name}\`](#${s.name.toLowerCase()}-keys) | ${cell(s.builds)} | ${s.named ? 'yes' : 'no'} |`),
  ];
  return [
    START,
    '<!-- Generated by scripts/write-spec-schema.js from src/spec/sections.ts: edit those, then run `node scripts/write-spec-schema.js`. -->',
    '',
    ...overview,
    '',
    'In the tables, a key with a dot is nested (`healthCheck.interval` is `interval` under `healthCheck:`). "—" in',
    '*construct prop* marks a key the builder reads itself: a reference to another entry, a switch, or a value the',
    'library fixes.',
    '',
    ...SECTIONS.map(sectionText),
    END,
  ].join('\n');
}

function withTables(doc) {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) return undefined;
  return `${doc.slice(0, start)}${keyTables()}${doc.slice(end + END.length)}`;
}

// --- write or check -------------------------------------------------------------------------------------------
const stale = [];
const problems = [];

const schemaPath = path.join(ROOT, SCHEMA_FILE);
const currentSchema = fs.existsSync(schemaPath) ? fs.readFileSync(schemaPath, 'utf8') : undefined;
if (currentSchema !== schemaText) {
  stale.push(SCHEMA_FILE);
  if (!check) fs.writeFileSync(schemaPath, schemaText);
}

const docPath = path.join(ROOT, DOC_FILE);
if (!fs.existsSync(docPath)) {
  problems.push(`${DOC_FILE} does not exist`);
} else {
  const doc = fs.readFileSync(docPath, 'utf8');
  const updated = withTables(doc);
  if (updated === undefined) {
    problems.push(`${DOC_FILE} has no ${START} ... ${END} markers to write the key tables between`);
  } else if (updated !== doc) {
    stale.push(DOC_FILE);
    if (!check) fs.writeFileSync(docPath, updated);
  }
}

for (const problem of problems) console.error(`write-spec-schema: ${problem}`);
if (check) {
  if (stale.length > 0) {
    console.error(`write-spec-schema: stale: ${stale.join(', ')} (generated from src/spec/sections.ts); run \`npx projen compile && node scripts/write-spec-schema.js\` and commit the result`);
    process.exit(1);
  }
  if (problems.length > 0) process.exit(1);
  console.log(`write-spec-schema: ${SCHEMA_FILE} and ${DOC_FILE} are up to date`);
} else {
  console.log(stale.length > 0 ? `write-spec-schema: wrote ${stale.join(', ')}` : `write-spec-schema: ${SCHEMA_FILE} and ${DOC_FILE} were up to date`);
  if (problems.length > 0) process.exit(1);
}
