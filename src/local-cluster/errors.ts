import type { Tool } from './versions.ts';

/**
 * A local control-plane failure a person can act on: which component, where
 * its log is, and what to do next. The CLI prints it without a stack.
 */
export class ClusterError extends Error {
  constructor(
    readonly component: Tool | 'go' | 'cluster',
    message: string,
    readonly logFile?: string,
    readonly hint?: string,
  ) {
    super(
      [`${component}: ${message}`, logFile ? `  log: ${logFile}` : '', hint ? `  what to do: ${hint}` : '']
        .filter(Boolean)
        .join('\n'),
    );
    this.name = 'UserFacingError';
  }
}
