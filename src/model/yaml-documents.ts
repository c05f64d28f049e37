import { CST, isMap, isPair, isScalar, isSeq, Lexer, parseAllDocuments } from 'yaml';
import { InputError } from './errors.ts';

/**
 * The one way berth reads YAML (or JSON, which is YAML) that a person gave
 * it. The `yaml` package composes a whole file in memory at several hundred
 * bytes per value and checks map keys for duplicates in quadratic time, so a
 * small hostile file (an alias bomb, a million-item flow list, a thousand
 * levels of brackets, a map of 100k keys) would take minutes and gigabytes.
 * A streaming pass of its lexer, which holds nothing, checks the budgets
 * first; only a file within them is composed.
 */
export const YAML_LIMITS = {
  /** Bytes of one input; checked by the reader before the text exists (see readBoundedInput). */
  maxBytes: 4 * 1024 * 1024,
  maxDocuments: 10_000,
  /** Values (scalars, aliases, collections) in the whole input. */
  maxValues: 250_000,
  /** Nesting of maps and lists; Kubernetes objects stay far below it. */
  maxDepth: 64,
  /** Alias expansions per document (the yaml package's guard against alias bombs). */
  maxAliasCount: 100,
} as const;

export interface YamlDocument {
  /** `<source> document <n>`, the prefix of every message about it. */
  where: string;
  /** The document as plain data; undefined when it has errors or is empty. */
  value?: unknown;
  /** What is wrong with it, one sentence each. */
  errors: string[];
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
}

/** Throws when the input is larger than a person's YAML input may be. */
export function checkInputSize(bytes: number, source: string): void {
  if (bytes > YAML_LIMITS.maxBytes) {
    throw new InputError(
      `the input is larger than ${mib(YAML_LIMITS.maxBytes)}, the most berth reads from one file; split it`,
      { source },
    );
  }
}

/**
 * One streaming pass over the tokens: document count, flow nesting and the
 * number of values, stopping at the first budget exceeded. Block nesting is
 * bounded by indentation and checked after composing.
 */
function checkBudgets(text: string, source: string): void {
  let documents = 0;
  let open = false; // inside a document that has been counted
  let values = 0;
  let flowDepth = 0;
  const fail = (message: string) => {
    throw new InputError(message, { source: `${source} document ${Math.max(documents, 1)}` });
  };
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'doc-start') {
      documents++;
      open = true;
    } else if (type === 'doc-end') {
      open = false;
    } else if (type !== 'newline' && type !== 'space' && type !== 'comment' && type !== 'byte-order-mark') {
      if (type === 'doc-mode' || type === 'directive-line') continue;
      if (!open && type !== null) {
        documents++;
        open = true;
      }
    }
    if (documents > YAML_LIMITS.maxDocuments) {
      fail(`more than ${YAML_LIMITS.maxDocuments} documents in one input; split it`);
    }
    switch (type) {
      case 'flow-map-start':
      case 'flow-seq-start':
        flowDepth++;
        values++;
        if (flowDepth > YAML_LIMITS.maxDepth) {
          fail(`nested more than ${YAML_LIMITS.maxDepth} levels deep`);
        }
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        flowDepth = Math.max(0, flowDepth - 1);
        break;
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'block-scalar-header':
      case 'alias':
        values++;
        break;
    }
    if (values > YAML_LIMITS.maxValues) {
      fail(`more than ${YAML_LIMITS.maxValues} values in one input; split it`);
    }
  }
}

/** Nesting depth and duplicate keys, walked without recursion so no input can overflow the stack. */
function structureErrors(root: unknown): string[] {
  const errors: string[] = [];
  const stack: { node: unknown; depth: number; path: string }[] = [{ node: root, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { node, depth, path } = stack.pop()!; // length checked by the loop
    if (isMap(node) || isSeq(node)) {
      if (depth + 1 > YAML_LIMITS.maxDepth) {
        errors.push(`${path || 'the document'}: nested more than ${YAML_LIMITS.maxDepth} levels deep`);
        continue;
      }
    }
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const key = isScalar(item.key) ? String(item.key.value) : undefined;
        const at = key === undefined ? path : path ? `${path}.${key}` : key;
        if (key !== undefined) {
          if (seen.has(key)) errors.push(`${at}: the key "${key}" appears twice in one map`);
          seen.add(key);
        }
        stack.push({ node: item.value, depth: depth + 1, path: at });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        stack.push({ node: item, depth: depth + 1, path: `${path}[${i}]` });
      });
    }
  }
  return errors;
}

/**
 * Parses every document of a person's YAML input within YAML_LIMITS. A
 * budget exceeded by the whole input throws an InputError naming the source
 * and the document where it was crossed; a problem of one document (syntax,
 * alias bomb, nesting, a duplicate key) is in that document's `errors`.
 */
export function parseYamlDocuments(text: string, source: string): YamlDocument[] {
  checkInputSize(Buffer.byteLength(text, 'utf8'), source);
  checkBudgets(text, source);
  // uniqueKeys is checked in structureErrors, in linear time.
  return parseAllDocuments(text, { uniqueKeys: false }).map((doc, i) => {
    const where = `${source} document ${i + 1}`;
    if (doc.errors.length > 0) {
      return {
        where,
        errors: doc.errors.map((e) => {
          const first = e.message.split('\n')[0] ?? '';
          return /call stack/i.test(first)
            ? `nested too deeply (the most is ${YAML_LIMITS.maxDepth} levels)`
            : `YAML syntax error: ${first}`;
        }),
      };
    }
    const errors = structureErrors(doc.contents);
    if (errors.length > 0) return { where, errors };
    try {
      return { where, value: doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount }) as unknown, errors: [] };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return {
        where,
        errors: [
          /alias count/i.test(message)
            ? `its aliases expand to too much data (more than ${YAML_LIMITS.maxAliasCount} expansions): an alias bomb?`
            : `cannot be read: ${message}`,
        ],
      };
    }
  });
}

/** The most problems one error lists: a hostile file can have a million, a person reads the first few. */
export const MAX_LISTED_PROBLEMS = 100;

/** `N problems found:` and the problems, one a line, the first MAX_LISTED_PROBLEMS of them. */
export function listProblems(problems: readonly string[]): string {
  const head = `${problems.length} problem${problems.length === 1 ? '' : 's'} found`;
  const shown = problems.slice(0, MAX_LISTED_PROBLEMS);
  const more = problems.length - shown.length;
  return `${head}:\n  ${shown.join('\n  ')}${more > 0 ? `\n  ... and ${more} more` : ''}`;
}
