import { labelValueErrors, qualifiedNameErrors } from './validation.js';

/** One requirement of a label selector (k8s.io/apimachinery/pkg/labels). */
export type Requirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'eq' | 'neq'; value: string };

export class SelectorError extends Error {}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function checkKey(key: string): string {
  const errors = qualifiedNameErrors(key);
  if (errors.length)
    throw new SelectorError(
      `unable to parse requirement: key: Invalid value: ${JSON.stringify(key)}: ${errors[0]}`,
    );
  return key;
}

function checkValue(value: string): string {
  const errors = labelValueErrors(value);
  if (errors.length)
    throw new SelectorError(
      `unable to parse requirement: values[0]: Invalid value: ${JSON.stringify(value)}: ${errors[0]}`,
    );
  return value;
}

/** Parses `a=b,c!=d,e in (f,g),h notin (i),j,!k`; `==` equals `=`. */
export function parseLabelSelector(text: string): Requirement[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return splitTopLevel(trimmed).map((raw) => {
    const part = raw.trim();
    if (part === '') throw new SelectorError("found '', expected: identifier");
    let m = /^!\s*([^\s=!(),]+)$/.exec(part);
    if (m) return { key: checkKey(m[1]!), op: 'notexists' };
    m = /^([^\s=!(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
    if (m) {
      const values = m[3]!.split(',').map((v) => checkValue(v.trim()));
      if (m[2] === 'in' && values.every((v) => v === '') && values.length === 1)
        throw new SelectorError("for 'in', 'notin' operators, values set can't be empty");
      return { key: checkKey(m[1]!), op: m[2] as 'in' | 'notin', values };
    }
    m = /^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(part);
    if (m) return { key: checkKey(m[1]!), op: m[2] === '!=' ? 'neq' : 'eq', value: checkValue(m[3]!) };
    m = /^([^\s=!(),<>]+)$/.exec(part);
    if (m) return { key: checkKey(m[1]!), op: 'exists' };
    throw new SelectorError(`unable to parse requirement: ${JSON.stringify(part)}`);
  });
}

export function matchesLabels(requirements: Requirement[], labels: Record<string, string>): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'eq':
        return has && value === r.value;
      case 'neq':
        return !has || value !== r.value;
      case 'in':
        return has && r.values.includes(value!);
      case 'notin':
        return !has || !r.values.includes(value!);
      default:
        return false;
    }
  });
}

/** Field selectors Secrets support: metadata.name, metadata.namespace and type, with `=`, `==`, `!=`. */
export type FieldRequirement = {
  field: 'metadata.name' | 'metadata.namespace' | 'type';
  equal: boolean;
  value: string;
};

export function parseFieldSelector(text: string): FieldRequirement[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed.split(',').map((raw) => {
    const m = /^\s*([^\s=!]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw new SelectorError(`invalid selector: '${trimmed}'; can't understand '${raw}'`);
    const field = m[1]!;
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && field !== 'type')
      throw new SelectorError(
        `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace", "type"`,
      );
    return { field, equal: m[2] !== '!=', value: m[3]! };
  });
}
