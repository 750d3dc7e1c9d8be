// Search attributes: their registered types per namespace and the decoding of their payload values.
import { api, type Payload } from './proto';

export type SearchAttributeTypeName = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';
export type SearchAttributeValue = string | number | boolean | string[] | Date | null;

const IndexedValueType = api.enums.v1.IndexedValueType;

const typeByEnum: Partial<Record<number, SearchAttributeTypeName>> = {
  [IndexedValueType.INDEXED_VALUE_TYPE_TEXT]: 'Text',
  [IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]: 'Keyword',
  [IndexedValueType.INDEXED_VALUE_TYPE_INT]: 'Int',
  [IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE]: 'Double',
  [IndexedValueType.INDEXED_VALUE_TYPE_BOOL]: 'Bool',
  [IndexedValueType.INDEXED_VALUE_TYPE_DATETIME]: 'Datetime',
  [IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST]: 'KeywordList',
};

export function typeNameOf(indexedValueType: number): SearchAttributeTypeName | undefined {
  return typeByEnum[indexedValueType];
}

export function enumOf(name: SearchAttributeTypeName): number {
  for (const [k, v] of Object.entries(typeByEnum)) if (v === name) return Number(k);
  return IndexedValueType.INDEXED_VALUE_TYPE_UNSPECIFIED;
}

export const systemSearchAttributes: Record<string, SearchAttributeTypeName> = {
  WorkflowId: 'Keyword',
  RunId: 'Keyword',
  WorkflowType: 'Keyword',
  ExecutionStatus: 'Keyword',
  TaskQueue: 'Keyword',
  StartTime: 'Datetime',
  CloseTime: 'Datetime',
  ExecutionTime: 'Datetime',
};

function isTypeName(s: string): s is SearchAttributeTypeName {
  return ['Keyword', 'Text', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList'].includes(s);
}

/** The type a payload declares in its `type` metadata (set by the SDKs' typed search attributes). */
export function declaredType(p: Payload): SearchAttributeTypeName | undefined {
  const raw = p.metadata?.type;
  if (!raw) return undefined;
  const s = Buffer.from(raw).toString('utf8');
  return isTypeName(s) ? s : undefined;
}

/** Decodes a JSON-encoded search attribute payload into a plain value; undefined when it cannot be read. */
export function decodeSearchAttribute(p: Payload, type: SearchAttributeTypeName | undefined): SearchAttributeValue | undefined {
  if (!p.data || p.data.length === 0) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(p.data).toString('utf8'));
  } catch {
    return undefined;
  }
  const t = type ?? declaredType(p);
  if (Array.isArray(value) && t !== 'KeywordList') value = value[0];
  if (value === null || value === undefined) return null;
  switch (t) {
    case 'KeywordList':
      return Array.isArray(value) ? value.map(String) : [String(value)];
    case 'Int':
    case 'Double':
      return typeof value === 'number' ? value : Number(value);
    case 'Bool':
      return typeof value === 'boolean' ? value : value === 'true';
    case 'Datetime':
      return new Date(String(value));
    default:
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
      return JSON.stringify(value);
  }
}
