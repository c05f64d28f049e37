/**
 * The logger the kube helpers use when the caller passes none: the helpers
 * that must never throw (events, leader election, watches) still say what
 * went wrong somewhere a person will look.
 */
import { type Logger, pino } from 'pino';

export type { Logger };

export const defaultLogger: Logger = pino({ name: 'berth', level: process.env.BERTH_LOG_LEVEL ?? 'info' });
