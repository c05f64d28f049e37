import { InputError } from '../model/index.ts';

/** `host:port` as a flag takes it; an empty host is 127.0.0.1. */
export function parseAddress(value: string, field = '--metrics-address'): [string, number] {
  const i = value.lastIndexOf(':');
  const port = Number(value.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InputError(`expected host:port, got "${value}"`, { field });
  }
  return [value.slice(0, i) || '127.0.0.1', port];
}
